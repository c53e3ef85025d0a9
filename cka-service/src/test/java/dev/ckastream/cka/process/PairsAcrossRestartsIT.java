package dev.ckastream.cka.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ckastream.deploy.broker.EmbeddedKafkaBroker;

/**
 * Several pairs in one cka-service across restarts, as packaged jars on a real broker. First one pair
 * (pretrained~finetuned) over 600 reviews, stopped; then restarted with a second pair added (pretrained~later):
 * the new pair reads its topics from the beginning while the restored one skips what it has (no review counted
 * twice, no duplicate dead-lettered); then killed with SIGKILL while 600 more reviews stream, and restarted: one
 * snapshot holds both pairs at one set of offsets, so both end with exactly 1,200 reviews and equal the offline CKA.
 * The third checkpoint's vectors are the second's (its own model fingerprint), so both pairs must give the same.
 */
class PairsAcrossRestartsIT {

    private static final int HALF = 600;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FIRST_PAIR = "pretrained~finetuned";
    private static final String ADDED_PAIR = "pretrained~later";

    @TempDir
    Path work;

    @Test
    void anAddedPairCatchesUpAndBothSurviveAKill() throws Exception {
        ActivationPairs pairs = new ActivationPairs(2 * HALF, 3, 16, 5, "pairs-");
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(0, work.resolve("kafka")).start()) {
            Map<String, String> env = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "CKA_STATE_DIR", work.resolve("state").toString(), "CKA_SNAPSHOT_INTERVAL", "1s",
                    "CKA_CHECKPOINTS", "pretrained,finetuned,later", "CKA_PAIRS", FIRST_PAIR));
            produce(broker, pairs, 0, HALF, 0);
            ServiceProcess one = ServiceProcess.startCka(env, work.resolve("cka-1.log"));
            one.awaitReady(Duration.ofSeconds(90));
            one.awaitReviews(n -> n >= HALF, Duration.ofSeconds(120));
            one.stop();

            env.remove("CKA_PAIRS"); // the default: pretrained against each later checkpoint
            ServiceProcess two = ServiceProcess.startCka(env, work.resolve("cka-2.log"));
            two.awaitReady(Duration.ofSeconds(90));
            Map<String, JsonNode> caughtUp = two.awaitPairs(HALF, Duration.ofSeconds(120));
            Thread.sleep(1000); // anything counted twice would show up now
            caughtUp = two.awaitPairs(HALF, Duration.ofSeconds(10));
            assertEquals(HALF, caughtUp.get(FIRST_PAIR).get("reviews").asLong());
            assertEquals(0, caughtUp.get(FIRST_PAIR).get("deadLetters").asLong(),
                    "the restored pair skips the base records re-read for the added one");
            assertTrue(two.logText().contains("pair " + ADDED_PAIR + " is not in snapshot"), two.tail());

            Thread producer = new Thread(() -> produce(broker, pairs, HALF, 2 * HALF, 20), "pairs");
            producer.start();
            awaitAtLeast(two, HALF + HALF / 3, Duration.ofSeconds(120));
            Thread.sleep(1500); // a periodic snapshot of both pairs mid-stream
            two.kill();

            ServiceProcess three = ServiceProcess.startCka(env, work.resolve("cka-3.log"));
            three.awaitReady(Duration.ofSeconds(90));
            producer.join();
            three.awaitPairs(2 * HALF, Duration.ofSeconds(120));
            Thread.sleep(1000);
            Map<String, JsonNode> last = three.awaitPairs(2 * HALF, Duration.ofSeconds(10));
            three.stop();
            assertTrue(three.logText().contains("restored " + FIRST_PAIR) && three.logText().contains("restored "
                    + ADDED_PAIR), three.tail());
            for (String pair : new String[] { FIRST_PAIR, ADDED_PAIR }) {
                JsonNode scores = last.get(pair);
                assertEquals(2 * HALF, scores.get("reviews").asLong(), pair + ": " + scores);
                assertEquals(0, scores.get("pending").asInt(), pair);
                assertEquals(0, scores.get("deadLetters").asLong(), pair);
                pairs.assertScoresMatchOffline(scores, 1e-9);
            }
        }
    }


    private static void awaitAtLeast(ServiceProcess cka, long reviews, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (cka.status("/scores/pairs") == 200) {
                JsonNode all = JSON.readTree(cka.get("/scores/pairs"));
                if (all.get("pairs").get(0).get("reviews").asLong() >= reviews) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("fewer than " + reviews + " reviews counted:\n" + cka.tail());
    }

    /** Reviews [from, to) of all three checkpoints; later = finetuned's vectors under its own fingerprint. */
    private static void produce(EmbeddedKafkaBroker broker, ActivationPairs pairs, int from, int to, long pauseMillis) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("acks", "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int r = from; r < to; r++) {
                producer.send(pairs.record(r, 0));
                producer.send(pairs.record(r, 1));
                producer.send(new ProducerRecord<>("activations.later", null, pairs.id(r).getBytes(StandardCharsets.UTF_8),
                        ActivationPairs.floats(pairs.pooled[r][1]), ActivationPairs.headers(pairs.layers, pairs.dim, "cccc")));
                if (pauseMillis > 0 && r % 20 == 19) {
                    producer.flush();
                    Thread.sleep(pauseMillis);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
