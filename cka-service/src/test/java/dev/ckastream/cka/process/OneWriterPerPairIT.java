package dev.ckastream.cka.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ckastream.deploy.broker.EmbeddedKafkaBroker;

/**
 * Two packaged cka-service instances for one pair in one consumer group, over activation topics of 6 partitions:
 * alone, the first holds everything and publishes; once the second joins, each holds half, both report not ready
 * with the reason, answer 503 on {@code /scores}, and nothing reaches {@code cka.scores}, while each still applies
 * exactly its share. Then the first stops: the second takes every partition over (its own from where it was, the
 * first's from their beginning), becomes ready, publishes, and its final scores count every review once and equal
 * the offline CKA of all of them.
 */
class OneWriterPerPairIT {

    private static final int REVIEWS = 1200;
    private static final int PARTITIONS = 6;
    private static final String FIRST = "activations.pretrained";
    private static final String SECOND = "activations.finetuned";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    @Test
    void onlyTheInstanceHoldingEveryPartitionPublishesAndTheSurvivorTakesOver() throws Exception {
        ActivationPairs pairs = new ActivationPairs(REVIEWS, 4, 32, 31, "writer-");
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(0, work.resolve("kafka")).start()) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(FIRST, PARTITIONS, (short) 1), new NewTopic(SECOND, PARTITIONS,
                        (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            Properties client = KafkaTopics.client(broker.bootstrapServers(), Map.of());
            ServiceProcess a = ServiceProcess.startCka(env(broker, "state-a"), work.resolve("cka-a.log"));
            ServiceProcess b = null;
            try {
                a.awaitReady(Duration.ofSeconds(90));
                produce(broker, pairs, 0, 400);
                assertEquals(400, a.awaitReviews(n -> n >= 400, Duration.ofSeconds(60)));
                awaitTrue(() -> lastScores(client) != null && lastScores(client).get("reviews").asLong() == 400,
                        Duration.ofSeconds(30), "the single instance did not publish 400 reviews to cka.scores");

                b = ServiceProcess.startCka(env(broker, "state-b"), work.resolve("cka-b.log"));
                ServiceProcess second = b;
                awaitTrue(() -> holds(a, 6) && holds(second, 6), Duration.ofSeconds(90),
                        "the two instances did not split the 12 partitions");
                for (ServiceProcess s : List.of(a, b)) {
                    JsonNode ready = readiness(s);
                    assertEquals(503, s.status("/q/health/ready"), ready.toString());
                    JsonNode check = partitionsCheck(ready);
                    assertEquals("DOWN", check.get("status").asText(), ready.toString());
                    String why = check.get("data").get("publishing").asText();
                    assertTrue(why.contains("holds 6 of 12 partitions of " + FIRST + "/" + SECOND)
                            && why.contains("another instance of consumer group ckastream-cka holds the rest"), why);
                    HttpURLConnection scores = (HttpURLConnection) URI.create(s.url("/scores")).toURL().openConnection();
                    assertEquals(503, scores.getResponseCode());
                    String body = new String(scores.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertTrue(body.contains("holds 6 of 12 partitions"), body);
                    assertTrue(metric(s, "ckastream_cka_publishing{") == 0, "publishing gauge");
                    assertEquals(3.0, metric(s, "ckastream_cka_partitions_held{", "topic=\"" + FIRST + "\""));
                }
                // Range assignment: both topics' same partition numbers on one instance, so both halves of a review.
                List<Integer> heldByA = heldPartitions(a, FIRST);
                List<Integer> heldByB = heldPartitions(b, FIRST);
                assertEquals(heldByA, heldPartitions(a, SECOND));
                assertEquals(heldByB, heldPartitions(b, SECOND));
                Thread.sleep(500); // a record sent just before the rebalance may still be on its way
                int published = KafkaTopics.readAll(client, "cka.scores").size();

                produce(broker, pairs, 400, 800);
                // Each applies exactly its share: a's from where it was, b's (empty state) from the beginning.
                long aExpected = 400 + reviewsIn(pairs, heldByA, 400, 800);
                long bExpected = reviewsIn(pairs, heldByB, 0, 800);
                awaitTrue(() -> counted(a) == aExpected && counted(second) == bExpected, Duration.ofSeconds(60),
                        "the instances did not count their shares " + aExpected + " and " + bExpected);
                Thread.sleep(2000); // several emission intervals: nothing may be published meanwhile
                assertEquals(aExpected, counted(a));
                assertEquals(bExpected, counted(b));
                List<ConsumerRecord<byte[], byte[]>> scoresNow = KafkaTopics.readAll(client, "cka.scores");
                assertEquals(published, scoresNow.size(), "a score record was published while neither instance held"
                        + " every partition: " + KafkaTopics.text(scoresNow.get(scoresNow.size() - 1).value()));

                a.stop();
                b.awaitReady(Duration.ofSeconds(60));
                assertEquals(1.0, metric(b, "ckastream_cka_publishing{"));
                assertEquals(800, b.awaitReviews(n -> n >= 800, Duration.ofSeconds(60)));
                produce(broker, pairs, 800, REVIEWS);
                b.awaitReviews(n -> n >= REVIEWS, Duration.ofSeconds(60));
                Thread.sleep(1500); // anything counted twice would show up now
                JsonNode scores = b.scores();
                assertEquals(REVIEWS, scores.get("reviews").asLong(), scores.toString());
                assertEquals(0, scores.get("pending").asInt());
                assertEquals(0, scores.get("deadLetters").asLong());
                pairs.assertScoresMatchOffline(scores, 1e-9);
                awaitTrue(() -> lastScores(client).get("reviews").asLong() == REVIEWS, Duration.ofSeconds(30),
                        "cka.scores does not carry the survivor's final scores");

                String log = b.logText();
                assertTrue(log.lines().anyMatch(line -> line.contains("from the beginning")
                        && heldByA.stream().allMatch(p -> line.contains(FIRST + "-" + p + ",") || line.contains(FIRST + "-" + p + "]"))),
                        "the survivor did not read the partitions " + heldByA + " it never held from their beginning:\n" + log);
                for (int p : heldByB) {
                    assertTrue(log.contains("resuming " + FIRST + "-" + p + " at offset"), "the survivor did not resume "
                            + FIRST + "-" + p + " from its own state:\n" + b.tail());
                }
            } finally {
                a.stop();
                if (b != null) {
                    b.stop();
                }
            }
        }
    }

    private Map<String, String> env(EmbeddedKafkaBroker broker, String stateDir) {
        return Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "CKA_STATE_DIR",
                work.resolve(stateDir).toString(), "CKA_SNAPSHOT_INTERVAL", "1s", "CKA_EMIT_INTERVAL", "200ms");
    }

    private static void produce(EmbeddedKafkaBroker broker, ActivationPairs pairs, int from, int to) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("acks", "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int r = from; r < to; r++) {
                producer.send(pairs.record(r, 0));
                producer.send(pairs.record(r, 1));
            }
        }
    }

    /** Reviews in [from, to) whose key the producer's default partitioner puts in one of {@code partitions}. */
    private static long reviewsIn(ActivationPairs pairs, List<Integer> partitions, int from, int to) {
        Set<Integer> set = Set.copyOf(partitions);
        long n = 0;
        for (int r = from; r < to; r++) {
            byte[] key = pairs.id(r).getBytes(StandardCharsets.UTF_8);
            if (set.contains(Utils.toPositive(Utils.murmur2(key)) % PARTITIONS)) {
                n++;
            }
        }
        return n;
    }

    private static JsonNode readiness(ServiceProcess s) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(s.url("/q/health/ready")).toURL().openConnection();
        c.setReadTimeout(5000);
        try {
            var in = c.getResponseCode() >= 400 ? c.getErrorStream() : c.getInputStream();
            return JSON.readTree(in.readAllBytes());
        } finally {
            c.disconnect();
        }
    }

    private static JsonNode partitionsCheck(JsonNode ready) {
        for (JsonNode check : ready.get("checks")) {
            if (check.get("name").asText().equals("partitions")) {
                return check;
            }
        }
        throw new AssertionError("no 'partitions' readiness check: " + ready);
    }

    private static boolean holds(ServiceProcess s, int partitions) {
        try {
            return partitionsCheck(readiness(s)).get("data").get("held").asText().equals(partitions + " of 12");
        } catch (IOException | RuntimeException notYet) {
            return false;
        }
    }

    /** The partition numbers of {@code topic} this instance holds, from its readiness ("3 of 6: 0, 1, 2"). */
    private static List<Integer> heldPartitions(ServiceProcess s, String topic) throws IOException {
        String held = partitionsCheck(readiness(s)).get("data").get(topic).asText();
        List<Integer> out = new ArrayList<>();
        for (String p : held.substring(held.indexOf(':') + 1).split(",")) {
            out.add(Integer.parseInt(p.trim()));
        }
        return out;
    }

    private static long counted(ServiceProcess s) {
        try {
            return (long) metric(s, "ckastream_cka_reviews_total{");
        } catch (IOException e) {
            return -1;
        }
    }

    private static double metric(ServiceProcess s, String prefix) throws IOException {
        return metric(s, prefix, "");
    }

    /** The value of the first sample whose line starts with {@code prefix} and contains {@code label}. */
    private static double metric(ServiceProcess s, String prefix, String label) throws IOException {
        List<String> lines = s.get("/q/metrics").lines().toList();
        for (String line : lines) {
            if (line.startsWith(prefix) && line.contains(label)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no metric " + prefix + " in " + lines.stream().filter(l -> l.startsWith("ckastream")).toList());
    }

    /** The latest score record on cka.scores, or null. */
    private static JsonNode lastScores(Properties client) {
        List<ConsumerRecord<byte[], byte[]>> records = KafkaTopics.readAll(client, "cka.scores");
        try {
            return records.isEmpty() ? null : JSON.readTree(records.get(records.size() - 1).value());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void awaitTrue(BooleanSupplier condition, Duration timeout, String failure) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(failure);
    }
}
