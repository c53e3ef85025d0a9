package dev.ckastream.extractor.it;

import static dev.ckastream.extractor.it.KafkaClients.FINETUNED;
import static dev.ckastream.extractor.it.KafkaClients.PRETRAINED;
import static dev.ckastream.extractor.it.KafkaClients.text;
import static dev.ckastream.extractor.it.KafkaClients.utf8;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.ckastream.deploy.broker.KafkaBrokerTestResource;
import dev.ckastream.contract.Topics;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class HealthAndMetricsTest {

    @Test
    void readyListsBothModelsAndKafka() {
        Response response = given().when().get("/q/health/ready");
        assertEquals(200, response.statusCode(), response.asString());
        JsonPath json = response.jsonPath();
        assertEquals("UP", json.getString("status"));
        Map<String, Object> models = json.getMap("checks.find { it.name == 'models' }.data");
        assertEquals("UP", json.getString("checks.find { it.name == 'models' }.status"));
        assertEquals(Set.of("pretrained", "finetuned"), models.keySet(), response.asString());
        assertEquals(KafkaClients.sha256Prefix("bge-small-en.onnx") + " (13 x 384)", models.get("pretrained"));
        assertEquals(KafkaClients.sha256Prefix("bge-small-en-v1.5.onnx") + " (13 x 384)", models.get("finetuned"));
        assertKafkaChannelsUp(json, "readiness", response.asString());
    }

    @Test
    void live() {
        Response response = given().when().get("/q/health/live");
        assertEquals(200, response.statusCode(), response.asString());
        assertEquals("UP", response.jsonPath().getString("status"));
        assertKafkaChannelsUp(response.jsonPath(), "liveness", response.asString());
    }

    @Test
    void started() {
        Response response = given().when().get("/q/health/started");
        assertEquals(200, response.statusCode(), response.asString());
        assertEquals("UP", response.jsonPath().getString("status"));
    }

    /** SmallRye Health's entry from the Kafka connector: one "[OK]" per channel of this service. */
    private static void assertKafkaChannelsUp(JsonPath json, String kind, String body) {
        String check = "checks.find { it.name == 'SmallRye Reactive Messaging - " + kind + " check' }";
        assertEquals("UP", json.getString(check + ".status"), body);
        Map<String, Object> channels = json.getMap(check + ".data");
        assertEquals(Set.of("reviews", "activations", "reviews-dlq", "reviews-in"), channels.keySet(), body);
        channels.values().forEach(v -> assertTrue(String.valueOf(v).startsWith("[OK]"), body));
    }

    @Test
    void openApiDocumentsIngestion() {
        Response response = given().accept("application/json").when().get("/q/openapi");
        assertEquals(200, response.statusCode(), response.asString());
        JsonPath json = response.jsonPath();
        Map<String, Object> post = json.getMap("paths.'/reviews'.post");
        assertTrue(post != null, response.asString());
        Map<String, Object> content = json.getMap("paths.'/reviews'.post.requestBody.content");
        assertTrue(content.keySet().containsAll(Set.of("application/json", "application/x-ndjson")), content.toString());
        Map<String, Object> responses = json.getMap("paths.'/reviews'.post.responses");
        assertEquals(Set.of("202", "400", "401", "403", "413", "503"), responses.keySet(), responses.toString());
    }

    @Test
    void metricsCountReviewsInferenceAndDeadLetters() throws Exception {
        String before = scrape();
        double reviews0 = value(before, "ckastream_extractor_reviews_total", null);
        double inferences0 = value(before, "ckastream_extractor_inference_seconds_count", "checkpoint=\"pretrained\"");
        double badLabel0 = value(before, "ckastream_extractor_dead_letters_total", "reason=\"bad-label\"");

        String u = KafkaClients.unique();
        List<String> ids = List.of("metrics-" + u + "-1", "metrics-" + u + "-2");
        try (KafkaClients.Watch watch = KafkaClients.watch(List.of(PRETRAINED, FINETUNED, Topics.REVIEWS_DLQ))) {
            KafkaClients.send(List.of(
                    KafkaClients.review(utf8(ids.get(0)), utf8("{\"id\":\"" + ids.get(0) + "\",\"text\":\"Counted.\"}")),
                    KafkaClients.review(utf8("metrics-" + u + "-bad"),
                            utf8("{\"id\":\"metrics-" + u + "-bad\",\"text\":\"x\",\"label\":7}")),
                    KafkaClients.review(utf8(ids.get(1)), utf8("{\"id\":\"" + ids.get(1) + "\",\"text\":\"Also counted.\"}"))));
            List<ConsumerRecord<byte[], byte[]>> got = watch.collect(r -> text(r.key()).startsWith("metrics-" + u),
                    all -> all.size() >= 5, KafkaClients.RECORD_TIMEOUT);
            assertEquals(5, got.size(), "2 reviews × 2 checkpoints + 1 dead letter");
        }

        // The counters move once the broker acknowledged the batch's records: poll briefly.
        String after = before;
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            after = scrape();
            if (value(after, "ckastream_extractor_reviews_total", null) >= reviews0 + 2) {
                break;
            }
            Thread.sleep(200);
        }
        assertTrue(after.contains("ckastream_extractor_reviews_total"), after);
        assertTrue(after.contains("ckastream_extractor_inference_seconds"), after);
        assertTrue(value(after, "ckastream_extractor_reviews_total", null) >= reviews0 + 2,
                "reviews_total rose by at least 2 from " + reviews0 + ":\n" + grep(after, "ckastream_extractor_reviews"));
        assertTrue(value(after, "ckastream_extractor_inference_seconds_count", "checkpoint=\"pretrained\"") > inferences0,
                grep(after, "ckastream_extractor_inference_seconds"));
        assertTrue(value(after, "ckastream_extractor_inference_seconds_count", "checkpoint=\"finetuned\"") > 0,
                grep(after, "ckastream_extractor_inference_seconds"));
        assertTrue(value(after, "ckastream_extractor_inference_seconds_sum", "checkpoint=\"pretrained\"") > 0);
        assertEquals(badLabel0 + 1, value(after, "ckastream_extractor_dead_letters_total", "reason=\"bad-label\""), 1e-9,
                grep(after, "ckastream_extractor_dead_letters"));
        // Every meter carries the service tag; JVM and the Kafka clients' own meters are bound too.
        assertTrue(value(after, "ckastream_extractor_reviews_total", "service=\"extractor\"") >= reviews0 + 2,
                grep(after, "ckastream_extractor_reviews"));
        assertTrue(value(after, "jvm_memory_used_bytes", "service=\"extractor\"") > 0, grep(after, "jvm_memory_used"));
        assertTrue(value(after, "kafka_producer_record_send_total", "service=\"extractor\"") >= 4,
                grep(after, "kafka_producer_record_send"));
        assertTrue(value(after, "kafka_consumer_fetch_manager_records_consumed_total", "service=\"extractor\"") >= 3,
                grep(after, "kafka_consumer_fetch_manager_records_consumed"));
    }

    private static String scrape() {
        // Prometheus' classic text format; a client that accepts anything gets OpenMetrics.
        Response response = given().accept("text/plain").when().get("/q/metrics");
        assertEquals(200, response.statusCode());
        assertTrue(response.contentType().startsWith("text/plain"), response.contentType());
        return response.asString();
    }

    /** The sample's value (0 when absent); {@code label} must appear in its label set when given. */
    private static double value(String exposition, String name, String label) {
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE).matcher(exposition);
        double total = 0;
        boolean found = false;
        while (m.find()) {
            String labels = m.group(1) == null ? "" : m.group(1);
            if (label == null || labels.contains(label)) {
                total += Double.parseDouble(m.group(2));
                found = true;
            }
        }
        return found ? total : 0;
    }

    private static String grep(String exposition, String prefix) {
        return String.join("\n", exposition.lines().filter(l -> l.startsWith(prefix)).toList());
    }
}
