package dev.ckastream.cka.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ckastream.deploy.broker.EmbeddedKafkaBroker;

/**
 * cka-service killed with SIGKILL halfway through 2,000 review pairs, then started again on the same state
 * directory: the final scores count exactly 2,000 reviews and equal the offline CKA of all of them.
 */
class CkaCrashRecoveryIT {

    private static final int REVIEWS = 2000;
    private static final int LAYERS = 4;
    private static final int DIM = 48;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    @Test
    void aKilledServiceResumesFromItsSnapshotAndCountsEveryReviewOnce() throws Exception {
        ActivationPairs pairs = new ActivationPairs(REVIEWS, LAYERS, DIM, 11, "crash-");
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(0, work.resolve("kafka")).start()) {
            Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "CKA_STATE_DIR", work.resolve("state").toString(), "CKA_SNAPSHOT_INTERVAL", "1s");
            ServiceProcess cka = ServiceProcess.startCka(env, work.resolve("cka.log"));
            cka.awaitReady(Duration.ofSeconds(90));
            // The packaged service keeps C2 to its own and the JDK's classes (cka.c2-classes), and is exact with it.
            assertTrue(cka.logText().contains("JIT: C2 compiles only dev/ckastream/*"), cka.tail());

            Thread producer = new Thread(() -> produce(broker, pairs), "pairs");
            producer.start();
            long counted = cka.awaitReviews(n -> n >= REVIEWS / 3, Duration.ofSeconds(120));
            Thread.sleep(1500); // let at least one periodic snapshot land mid-stream
            cka.kill();
            assertTrue(counted < REVIEWS, "killed too late: " + counted);

            ServiceProcess again = ServiceProcess.startCka(env, work.resolve("cka-2.log"));
            again.awaitReady(Duration.ofSeconds(90));
            producer.join();
            again.awaitReviews(n -> n >= REVIEWS, Duration.ofSeconds(120));
            Thread.sleep(1000); // anything counted twice would show up now
            JsonNode scores = JSON.readTree(again.get("/scores"));
            again.stop();

            assertTrue(again.logText().contains("restored snapshot-"), "the restart did not restore a snapshot:\n"
                    + again.tail());
            assertEquals(REVIEWS, scores.get("reviews").asLong(), scores.toString());
            assertEquals(0, scores.get("pending").asInt());
            assertEquals(0, scores.get("deadLetters").asLong());
            pairs.assertScoresMatchOffline(scores, 1e-9);
        }
    }

    private static void produce(EmbeddedKafkaBroker broker, ActivationPairs pairs) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("acks", "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int r = 0; r < pairs.size(); r++) {
                producer.send(pairs.record(r, 0));
                producer.send(pairs.record(r, 1));
                if (r % 50 == 49) {
                    producer.flush();
                    Thread.sleep(100); // ~500 pairs/s: the kill lands mid-stream
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
