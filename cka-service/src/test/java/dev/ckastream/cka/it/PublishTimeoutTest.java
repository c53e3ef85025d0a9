package dev.ckastream.cka.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import dev.ckastream.deploy.broker.KafkaBrokerTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * A polled batch whose dead letters the broker never acknowledges is not acknowledged either: the wait ends at
 * {@code cka.publish-timeout}, the group's committed offset stays before the record (it is read again after a
 * restart), and health reports the failed channel with the reason.
 */
@QuarkusTest
@TestProfile(UnreachableDeadLettersProfile.class)
@QuarkusTestResource(KafkaBrokerTestResource.class)
class PublishTimeoutTest {

    @jakarta.inject.Inject
    dev.ckastream.cka.state.ComparisonStore store;

    @Test
    void aBatchWhoseDeadLettersAreNotAcknowledgedStaysUncommitted() throws Exception {
        String bootstrap = KafkaBrokerTestResource.broker().bootstrapServers();
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        RecordMetadata sent;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            // No headers: a dead letter (missing header) that can never reach a broker.
            String key = "timeout-" + UUID.randomUUID();
            sent = producer.send(new ProducerRecord<>("activations.pretrained", key.getBytes(StandardCharsets.UTF_8),
                    new byte[] { 1, 2, 3 })).get(30, TimeUnit.SECONDS);
        }

        Response live = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            live = given().when().get("/q/health/live");
            if (live.statusCode() == 503) {
                break;
            }
            Thread.sleep(250);
        }
        assertEquals(503, live.statusCode(), live.asString());
        String activations = live.jsonPath()
                .getString("checks.find { it.name == 'SmallRye Reactive Messaging - liveness check' }.data.activations");
        assertTrue(activations.startsWith("[KO]") && activations.contains("cka.publish-timeout"), live.asString());
        Response ready = given().when().get("/q/health/ready");
        assertEquals(503, ready.statusCode());
        assertEquals("DOWN", ready.jsonPath().getString("checks.find { it.name == 'state' }.status"), ready.asString());
        // The batch took effect on the state: a snapshot now would record its offsets and lose its dead letters.
        IllegalStateException held = assertThrows(IllegalStateException.class, () -> store.snapshot());
        assertTrue(held.getMessage().contains("cka.publish-timeout"), held.getMessage());

        TopicPartition partition = new TopicPartition(sent.topic(), sent.partition());
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets("ckastream-cka").partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS).get(partition);
            assertTrue(offset == null || offset.offset() <= sent.offset(),
                    "committed " + offset + " is past the record whose dead letter was not acknowledged, at "
                            + sent.offset());
        }
    }
}
