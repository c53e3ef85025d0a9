package dev.ckastream.extractor.it;

import static dev.ckastream.extractor.it.KafkaClients.utf8;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import dev.ckastream.deploy.broker.KafkaBrokerTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * Every wait on the broker is bounded, and when the bound expires nothing is lost: {@code POST /reviews}
 * answers 503, and a polled batch whose activations the broker never acknowledged stays uncommitted (it is
 * read again after a restart) while health reports the failed channel.
 */
@QuarkusTest
@TestProfile(UnreachableOutputsProfile.class)
@QuarkusTestResource(KafkaBrokerTestResource.class)
class PublishTimeoutTest {

    private static final String GROUP = "ckastream-extractor";

    @Test
    void ingestionAnswers503WhenTheBrokerDoesNotAcknowledgeInTime() {
        long start = System.nanoTime();
        Response response = given().contentType("application/json")
                .body("{\"id\":\"timeout-" + KafkaClients.unique() + "\",\"text\":\"Never acknowledged.\"}")
                .when().post("/reviews");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(503, response.statusCode(), response.asString());
        assertTrue(response.jsonPath().getString("error").contains("extractor.ingest.publish-timeout"),
                response.asString());
        assertTrue(seconds >= UnreachableOutputsProfile.INGEST_TIMEOUT_SECONDS - 0.1 && seconds < 20,
                "answered after " + seconds + " s");
    }

    @Test
    void aBatchNotAcknowledgedInTimeStaysUncommittedAndHealthSaysWhy() throws Exception {
        KafkaClients.ensureTopics();
        String id = "timeout-" + KafkaClients.unique();
        RecordMetadata sent = KafkaClients.send(List.of(KafkaClients.review(utf8(id),
                utf8("{\"id\":\"" + id + "\",\"text\":\"Its activations never reach a broker.\"}")))).get(0);

        // The connector reports the nacked batch as a failed channel, in liveness and readiness alike.
        Response live = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            live = given().when().get("/q/health/live");
            if (live.statusCode() == 503) {
                break;
            }
            Thread.sleep(250);
        }
        assertEquals(503, live.statusCode(), live.asString());
        String reviews = live.jsonPath()
                .getString("checks.find { it.name == 'SmallRye Reactive Messaging - liveness check' }.data.reviews");
        assertTrue(reviews.startsWith("[KO]") && reviews.contains("extractor.publish-timeout"), live.asString());
        assertEquals(503, given().when().get("/q/health/ready").statusCode());

        // Nothing lost: the group's committed offset has not moved past the review.
        TopicPartition partition = new TopicPartition(sent.topic(), sent.partition());
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaClients.bootstrap());
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            OffsetAndMetadata offset = committed.get(partition);
            assertTrue(offset == null || offset.offset() <= sent.offset(),
                    "committed " + offset + " is past the unacknowledged review at " + sent.offset());
        }
    }
}
