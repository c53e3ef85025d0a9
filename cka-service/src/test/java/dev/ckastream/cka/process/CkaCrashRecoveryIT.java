package dev.ckastream.cka.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ckastream.cka.math.OfflineCka;
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
        float[][][] pooled = new float[REVIEWS][2][];
        Random random = new Random(11);
        for (int r = 0; r < REVIEWS; r++) {
            pooled[r][0] = new float[LAYERS * DIM];
            pooled[r][1] = new float[LAYERS * DIM];
            for (int k = 0; k < LAYERS * DIM; k++) {
                pooled[r][0][k] = (float) (random.nextGaussian() + (k % DIM == 0 ? 800 : 0));
                pooled[r][1][k] = (float) (k / DIM < 2 ? 0.5 * pooled[r][0][k] + 0.2 * random.nextGaussian()
                        : random.nextGaussian());
            }
        }
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(0, work.resolve("kafka")).start()) {
            Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "CKA_STATE_DIR", work.resolve("state").toString(), "CKA_SNAPSHOT_INTERVAL", "1s");
            Path jar = ServiceProcess.repositoryRoot().resolve("cka-service/target/quarkus-app/quarkus-run.jar");
            ServiceProcess cka = new ServiceProcess(jar, env, work.resolve("cka.log")).start();
            cka.awaitReady(Duration.ofSeconds(90));

            Thread producer = new Thread(() -> produce(broker, pooled), "pairs");
            producer.start();
            long counted = awaitReviews(cka, n -> n >= REVIEWS / 3, Duration.ofSeconds(120));
            Thread.sleep(1500); // let at least one periodic snapshot land mid-stream
            cka.kill();
            long beforeKill = counted;
            assertTrue(beforeKill < REVIEWS, "killed too late: " + beforeKill);

            ServiceProcess again = new ServiceProcess(jar, env, work.resolve("cka-2.log")).start();
            again.awaitReady(Duration.ofSeconds(90));
            producer.join();
            awaitReviews(again, n -> n >= REVIEWS, Duration.ofSeconds(120));
            Thread.sleep(1000); // anything counted twice would show up now
            JsonNode scores = JSON.readTree(again.get("/scores"));
            again.stop();

            assertTrue(again.logText().contains("restored snapshot-"), "the restart did not restore a snapshot:\n"
                    + again.tail());
            assertEquals(REVIEWS, scores.get("reviews").asLong(), scores.toString());
            assertEquals(0, scores.get("pending").asInt());
            assertEquals(0, scores.get("deadLetters").asLong());
            for (int i = 0; i < LAYERS; i++) {
                for (int j = 0; j < LAYERS; j++) {
                    double[][] x = layer(pooled, 0, i);
                    double[][] y = layer(pooled, 1, j);
                    assertEquals(OfflineCka.linearCka(x, y), scores.get("cka").get(i).get(j).asDouble(), 1e-9);
                    assertEquals(OfflineCka.debiasedCka(x, y), scores.get("ckaDebiased").get(i).get(j).asDouble(), 1e-9);
                }
            }
        }
    }

    private static void produce(EmbeddedKafkaBroker broker, float[][][] pooled) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("acks", "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int r = 0; r < pooled.length; r++) {
                byte[] key = ("crash-" + r).getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>("activations.pretrained", null, key, floats(pooled[r][0]), headers("aaaa")));
                producer.send(new ProducerRecord<>("activations.finetuned", null, key, floats(pooled[r][1]), headers("bbbb")));
                if (r % 50 == 49) {
                    producer.flush();
                    Thread.sleep(100); // ~500 pairs/s: the kill lands mid-stream
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static RecordHeaders headers(String model) {
        RecordHeaders h = new RecordHeaders();
        h.add("layers", Integer.toString(LAYERS).getBytes(StandardCharsets.US_ASCII));
        h.add("dim", Integer.toString(DIM).getBytes(StandardCharsets.US_ASCII));
        h.add("tokens", "10".getBytes(StandardCharsets.US_ASCII));
        h.add("model", model.getBytes(StandardCharsets.US_ASCII));
        return h;
    }

    private static byte[] floats(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    private static double[][] layer(float[][][] pooled, int side, int layer) {
        double[][] x = new double[pooled.length][DIM];
        for (int r = 0; r < pooled.length; r++) {
            for (int d = 0; d < DIM; d++) {
                x[r][d] = pooled[r][side][layer * DIM + d];
            }
        }
        return x;
    }

    private static long awaitReviews(ServiceProcess service, java.util.function.LongPredicate done, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long reviews = -1;
        while (System.nanoTime() < deadline) {
            reviews = JSON.readTree(service.get("/scores")).get("reviews").asLong();
            if (done.test(reviews)) {
                return reviews;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("reviews stuck at " + reviews + ":\n" + service.tail());
    }
}
