package dev.ckastream.cka.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.ckastream.deploy.broker.KafkaBrokerTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/** SmallRye Health with the Kafka connector's channels and the state check, Micrometer's Prometheus scrape, OpenAPI. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class StandardEndpointsTest {

    @Test
    void readinessListsEveryChannelAndTheState() {
        PairHeld.await(); // DOWN until the consumer's first assignment
        Response response = given().when().get("/q/health/ready");
        assertEquals(200, response.statusCode(), response.asString());
        JsonPath json = response.jsonPath();
        assertEquals("UP", json.getString("status"));
        assertEquals("UP", json.getString("checks.find { it.name == 'state' }.status"), response.asString());
        assertNotNull(json.get("checks.find { it.name == 'state' }.data.reviews"), response.asString());
        String partitions = "checks.find { it.name == 'partitions' }";
        assertEquals("UP", json.getString(partitions + ".status"), response.asString());
        assertEquals("1 of 1: 0", json.getString(partitions + ".data.'activations.pretrained'"), response.asString());
        assertEquals("scores", json.getString(partitions + ".data.publishing"), response.asString());
        String kafka = "checks.find { it.name == 'SmallRye Reactive Messaging - readiness check' }";
        assertEquals("UP", json.getString(kafka + ".status"), response.asString());
        Map<String, Object> channels = json.getMap(kafka + ".data");
        assertEquals(Set.of("activations", "activations-dlq", "scores"), channels.keySet(), response.asString());
        channels.values().forEach(v -> assertTrue(String.valueOf(v).startsWith("[OK]"), response.asString()));
    }

    @Test
    void livenessAndStartup() {
        for (String probe : new String[] { "/q/health/live", "/q/health/started" }) {
            Response response = given().when().get(probe);
            assertEquals(200, response.statusCode(), probe + ": " + response.asString());
            assertEquals("UP", response.jsonPath().getString("status"), probe);
        }
    }

    @Test
    void metricsKeepTheirNamesAndCarryTheServiceTag() {
        Response response = given().accept("text/plain").when().get("/q/metrics");
        assertEquals(200, response.statusCode());
        assertTrue(response.contentType().startsWith("text/plain"), response.contentType());
        String body = response.asString();
        for (String name : new String[] { "ckastream_cka_reviews_total{", "jvm_memory_used_bytes{",
                "kafka_consumer_", "kafka_producer_" }) {
            assertTrue(body.lines().anyMatch(l -> l.startsWith(name) && l.contains("service=\"cka\"")),
                    name + " with service=\"cka\" missing");
        }
    }

    @Test
    void openApiDocumentsTheScores() {
        Response response = given().accept("application/json").when().get("/q/openapi");
        assertEquals(200, response.statusCode(), response.asString());
        JsonPath json = response.jsonPath();
        assertEquals(Set.of("200", "400", "404", "503"), json.getMap("paths.'/scores'.get.responses").keySet(),
                response.asString());
        assertTrue(json.getString("paths.'/scores'.get.responses.'400'.description").contains("?pair="),
                response.asString());
        assertEquals("pair", json.getString("paths.'/scores'.get.parameters[0].name"), response.asString());
        assertEquals(Set.of("200", "503"), json.getMap("paths.'/scores/pairs'.get.responses").keySet(),
                response.asString());
        assertNotNull(json.get("components.schemas.ScoresOfEveryPair.properties.pairs"), response.asString());
        assertTrue(json.getString("paths.'/scores'.get.responses.'503'.description").contains("another instance"),
                response.asString());
        assertNotNull(json.get("paths.'/scores'.get.responses.'200'.content.'application/json'.schema"),
                response.asString());
        assertNotNull(json.get("paths.'/scores/stream'.get.responses.'200'.content.'text/event-stream'"),
                response.asString());
        Map<String, Object> report = json.getMap("components.schemas.ScoreReport.properties");
        assertTrue(report.keySet().containsAll(Set.of("pair", "reviews", "cka", "ckaDebiased", "probe", "status")),
                String.valueOf(report));
    }
}
