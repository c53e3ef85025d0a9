package dev.ckastream.cka.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ckastream.deploy.broker.KafkaBrokerTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The end of a backlog is published at once: pairs written a minute before they are read (a replay) put the
 * service behind, where emissions come at most every {@code cka.emit-interval} (here 10 s) and the timer skips an
 * emission less than half an interval after the last; once no batch has come for {@code cka.backlog.drained-after},
 * the scores of everything the backlog brought go out without waiting for either. Checked through the contract:
 * the second backlog, sent right after the first one's scores were read, is in a {@code cka.scores} record within
 * 3 s of its last send, where the interval alone would hold it back at least 4 s.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@TestProfile(DrainedBacklogTest.SlowCadence.class)
class DrainedBacklogTest {

    static final String FIRST = "replayed-base";
    static final String SECOND = "replayed-tuned";
    private static final int LAYERS = 2;
    private static final int DIM = 16;
    private static final int PER_BACKLOG = 40;
    private static final long WRITTEN_BEFORE_MS = 60_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Its own pair, topics and state; an emission interval long enough that the timer cannot be what publishes. */
    public static class SlowCadence implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("cka.first", FIRST, "cka.second", SECOND, "cka.state-dir", "target/cka-state-drained",
                    "mp.messaging.incoming.activations.group.id", "ckastream-cka-drained-test",
                    "cka.emit-interval", "10s");
        }
    }

    @Test
    void theLastScoresOfABacklogDoNotWaitForTheBacklogCadence() throws Exception {
        PairHeld.await();
        Random random = new Random(5);
        try (KafkaProducer<byte[], byte[]> producer = producer(); KafkaConsumer<byte[], byte[]> scores = scoresConsumer()) {
            send(producer, random, 0);
            awaitReviews(scores, PER_BACKLOG, Duration.ofSeconds(60));

            send(producer, random, PER_BACKLOG);
            long lastSent = System.currentTimeMillis();
            long published = awaitReviews(scores, 2 * PER_BACKLOG, Duration.ofSeconds(30));
            long after = published - lastSent;
            System.out.printf("second backlog scored %d ms after its last send%n", after);
            assertTrue(after <= 3_000, "the drained backlog's scores came " + after + " ms after its last send, as if"
                    + " held back by the backlog cadence (emit-interval 10 s)");
        }
    }

    /**
     * Sends {@code PER_BACKLOG} unlabelled pairs (a probe retrain, which publishes too, is not what is tested) written
     * a minute ago, numbered from {@code from}; waits for the acks.
     */
    private static void send(KafkaProducer<byte[], byte[]> producer, Random random, int from) throws Exception {
        long written = System.currentTimeMillis() - WRITTEN_BEFORE_MS;
        for (int i = from; i < from + PER_BACKLOG; i++) {
            byte[] key = ("drained-" + i).getBytes(StandardCharsets.UTF_8);
            for (String checkpoint : List.of(FIRST, SECOND)) {
                float[] pooled = new float[LAYERS * DIM];
                for (int k = 0; k < pooled.length; k++) {
                    pooled[k] = (float) random.nextGaussian();
                }
                producer.send(new ProducerRecord<>("activations." + checkpoint, null, written, key,
                        ActivationTraffic.floats(pooled), ActivationTraffic.headers(LAYERS, DIM, 12, null, "m-" + checkpoint)));
            }
        }
        producer.flush();
    }

    /** The timestamp of the first score record of the pair that counts {@code reviews} reviews. */
    private static long awaitReviews(KafkaConsumer<byte[], byte[]> scores, long reviews, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long seen = -1;
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : scores.poll(Duration.ofMillis(50))) {
                if (!new String(r.key(), StandardCharsets.UTF_8).equals(FIRST + "~" + SECOND)) {
                    continue;
                }
                JsonNode s = JSON.readTree(r.value());
                seen = s.get("reviews").asLong();
                if (seen >= reviews) {
                    return r.timestamp();
                }
            }
        }
        throw new AssertionError("no score record with " + reviews + " reviews within " + timeout + " (last seen "
                + seen + ")");
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put("bootstrap.servers", KafkaBrokerTestResource.broker().bootstrapServers());
        p.put("acks", "all");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<byte[], byte[]> scoresConsumer() {
        Map<String, Object> c = Map.of("bootstrap.servers", KafkaBrokerTestResource.broker().bootstrapServers(),
                "group.id", "test-" + UUID.randomUUID(), "auto.offset.reset", "earliest");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(List.of("cka.scores"));
        return consumer;
    }
}
