package dev.ckastream.cka.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ckastream.cka.math.OfflineCka;
import dev.ckastream.cka.probe.ProbeSplit;
import dev.ckastream.deploy.broker.KafkaBrokerTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Activation records in through a real broker, scores out on {@code cka.scores}, {@code /scores} and
 * {@code /scores/stream}; every kind of bad record dead-lettered with its reason; duplicates counted once.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class CkaServiceEndToEndTest {

    private static final int LAYERS = 3;
    private static final int DIM = 8;
    private static final int GOOD = 60;
    private static final String A = "activations.pretrained";
    private static final String B = "activations.finetuned";
    private static final ObjectMapper JSON = new ObjectMapper();

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    @Test
    void scoresEqualOfflineAndEveryBadRecordIsDeadLetteredOnce() throws Exception {
        Random random = new Random(7);
        List<String> ids = new ArrayList<>();
        Map<String, float[][]> pooled = new HashMap<>();
        Map<String, Integer> labels = new HashMap<>();
        for (int r = 0; r < GOOD + 2; r++) {
            String id = "e2e-" + r + (r % 7 == 0 ? "-ünï" : "");
            int label = random.nextInt(2);
            float[] a = new float[LAYERS * DIM];
            float[] b = new float[LAYERS * DIM];
            for (int k = 0; k < a.length; k++) {
                a[k] = (float) (random.nextGaussian() + (k % DIM == 0 ? 300 : 0) + (k % DIM == 1 ? 2.0 * label : 0));
                int layer = k / DIM;
                // layer 0 identical, layer 1 a scaled copy plus noise, layer 2 unrelated
                b[k] = layer == 0 ? a[k] : layer == 1 ? (float) (2 * a[k] + 0.3 * random.nextGaussian())
                        : (float) random.nextGaussian();
            }
            ids.add(id);
            pooled.put(id, new float[][] { a, b });
            labels.put(id, label);
        }
        List<String> good = ids.subList(0, GOOD);
        List<String> late = ids.subList(GOOD, GOOD + 2);

        try (ActivationTraffic traffic = new ActivationTraffic()) {
            // Halves interleaved in shuffled order, the second checkpoint's first for some.
            List<String> order = new ArrayList<>(good);
            Collections.shuffle(order, random);
            for (String id : order) {
                boolean secondFirst = random.nextBoolean();
                sendHalf(traffic, secondFirst ? B : A, id, pooled, labels);
                sendHalf(traffic, secondFirst ? A : B, id, pooled, labels);
            }
            // Every way to break the contract, after the streams' signatures are known.
            float[] ok = pooled.get(good.get(0))[0];
            traffic.send(A, null, ActivationTraffic.floats(ok), ActivationTraffic.headers(LAYERS, DIM, 5, 1, "aaaa"));
            traffic.send(A, "bad-no-value", null, ActivationTraffic.headers(LAYERS, DIM, 5, 1, "aaaa"));
            traffic.send(A, "bad-short", new byte[10], ActivationTraffic.headers(LAYERS, DIM, 5, 1, "aaaa"));
            float[] nan = ok.clone();
            nan[3] = Float.NaN;
            traffic.send(A, "bad-nan", ActivationTraffic.floats(nan), ActivationTraffic.headers(LAYERS, DIM, 5, 1, "aaaa"));
            float[] inf = ok.clone();
            inf[4] = Float.NEGATIVE_INFINITY;
            traffic.send(B, "bad-inf", ActivationTraffic.floats(inf), ActivationTraffic.headers(LAYERS, DIM, 5, 1, "bbbb"));
            traffic.send(A, "bad-no-dim", ActivationTraffic.floats(ok), ActivationTraffic.headers(LAYERS, null, 5, 1, "aaaa"));
            traffic.send(A, "bad-dim-text", ActivationTraffic.floats(ok), ActivationTraffic.headers(LAYERS, "eight", 5, 1, "aaaa"));
            traffic.send(A, "bad-shape", ActivationTraffic.floats(new float[LAYERS * 4]),
                    ActivationTraffic.headers(LAYERS, 4, 5, 1, "aaaa"));
            traffic.send(B, "bad-model", ActivationTraffic.floats(ok), ActivationTraffic.headers(LAYERS, DIM, 5, 1, "cccc"));
            traffic.send(B, "bad-label", ActivationTraffic.floats(ok), ActivationTraffic.headers(LAYERS, DIM, 5, "yes", "bbbb"));
            // Redelivery of an already counted review: both halves again.
            sendHalf(traffic, A, good.get(5), pooled, labels);
            sendHalf(traffic, B, good.get(5), pooled, labels);
            // The stream goes on after all that.
            for (String id : late) {
                sendHalf(traffic, A, id, pooled, labels);
                sendHalf(traffic, B, id, pooled, labels);
            }
        }

        JsonNode scores = awaitScores(s -> s.get("reviews").asLong() == GOOD + 2 && s.get("deadLetters").asLong() == 12
                && !s.get("probe").get("pretrained").get(0).isNull());
        assertEquals(GOOD + 2, scores.get("reviews").asLong(), scores.toString());
        assertEquals(List.of("pretrained", "finetuned"), List.of(scores.get("pair").get(0).asText(), scores.get("pair").get(1).asText()));
        assertEquals(LAYERS, scores.get("layers").asInt());
        assertEquals(GOOD + 2, scores.get("labeled").asLong());
        assertEquals(0, scores.get("pending").asInt());

        // CKA equals the direct full-batch formulas over the same float32 vectors.
        for (int i = 0; i < LAYERS; i++) {
            for (int j = 0; j < LAYERS; j++) {
                double[][] x = layer(ids, pooled, 0, i);
                double[][] y = layer(ids, pooled, 1, j);
                assertEquals(OfflineCka.linearCka(x, y), scores.get("cka").get(i).get(j).asDouble(), 1e-9, "cka " + i + "," + j);
                assertEquals(OfflineCka.debiasedCka(x, y), scores.get("ckaDebiased").get(i).get(j).asDouble(), 1e-9,
                        "debiased " + i + "," + j);
            }
        }
        assertEquals("untouched", scores.get("status").get(0).asText());
        assertEquals("rewritten", scores.get("status").get(2).asText());

        // Probe split by CRC32 of the id.
        long test = ids.stream().filter(ProbeSplit::isTestReview).count();
        assertEquals(test, scores.get("probe").get("testReviews").asLong());
        assertEquals(ids.size() - test, scores.get("probe").get("trainReviews").asLong());
        for (JsonNode accuracy : scores.get("probe").get("finetuned")) {
            assertTrue(accuracy.asDouble() >= 0 && accuracy.asDouble() <= 1, accuracy.toString());
        }

        // Dead letters: one per bad record, reason in the error header.
        List<ConsumerRecord<byte[], byte[]>> dlq = ActivationTraffic.read("activations.dlq", r -> r.size() >= 12,
                Duration.ofSeconds(30));
        Map<String, Integer> reasons = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : dlq) {
            String error = new String(r.headers().lastHeader("error").value(), StandardCharsets.UTF_8);
            reasons.merge(error.substring(0, error.indexOf(':')), 1, Integer::sum);
            assertEquals(error.substring(0, error.indexOf(':')),
                    new String(r.headers().lastHeader("error.reason").value(), StandardCharsets.UTF_8));
        }
        assertEquals(new TreeMap<>(Map.of("missing-key", 1, "missing-value", 1, "bad-length", 1, "non-finite", 2,
                "missing-header", 1, "bad-header", 2, "shape-mismatch", 1, "model-mismatch", 1, "duplicate", 2)), reasons);

        // The same record on Kafka, keyed by the pair, and on the SSE stream.
        List<ConsumerRecord<byte[], byte[]>> records = ActivationTraffic.read("cka.scores",
                r -> !r.isEmpty() && isFinal(r.get(r.size() - 1).value()),
                Duration.ofSeconds(30));
        ConsumerRecord<byte[], byte[]> last = records.get(records.size() - 1);
        assertEquals("pretrained~finetuned", new String(last.key(), StandardCharsets.UTF_8));
        assertEquals(GOOD + 2, JSON.readTree(last.value()).get("reviews").asLong());
        assertNotNull(JSON.readTree(last.value()).get("updatedAt"));
        JsonNode event = firstStreamEvent();
        assertEquals(GOOD + 2, event.get("reviews").asLong());
        assertNull(scores.get("error"));

        // The service created cka.scores compacted before its score producer could have it auto-created.
        try (Admin admin = Admin.create(Map.of("bootstrap.servers",
                KafkaBrokerTestResource.broker().bootstrapServers()))) {
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "cka.scores");
            assertEquals("compact", admin.describeConfigs(List.of(topic)).all().get(15, TimeUnit.SECONDS)
                    .get(topic).get("cleanup.policy").value());
        }
    }

    private static boolean isFinal(byte[] scoreRecord) {
        try {
            JsonNode node = JSON.readTree(scoreRecord);
            return node.get("reviews").asLong() == GOOD + 2 && node.get("deadLetters").asLong() == 12;
        } catch (java.io.IOException e) {
            throw new AssertionError("score record is not JSON", e);
        }
    }

    private static void sendHalf(ActivationTraffic traffic, String topic, String id, Map<String, float[][]> pooled,
            Map<String, Integer> labels) {
        int side = topic.equals(A) ? 0 : 1;
        traffic.send(topic, id, ActivationTraffic.floats(pooled.get(id)[side]),
                ActivationTraffic.headers(LAYERS, DIM, 17, labels.get(id), side == 0 ? "aaaa" : "bbbb"));
    }

    private static double[][] layer(List<String> ids, Map<String, float[][]> pooled, int side, int layer) {
        double[][] x = new double[ids.size()][DIM];
        for (int r = 0; r < ids.size(); r++) {
            for (int d = 0; d < DIM; d++) {
                x[r][d] = pooled.get(ids.get(r))[side][layer * DIM + d];
            }
        }
        return x;
    }

    private JsonNode awaitScores(java.util.function.Predicate<JsonNode> done) throws Exception {
        PairHeld.await();
        JsonNode last = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            last = JSON.readTree(given().get("/scores").then().statusCode(200).extract().asString());
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        return last;
    }

    private JsonNode firstStreamEvent() throws Exception {
        HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/scores/stream")
                .toURL().openConnection();
        connection.setReadTimeout(10_000);
        assertTrue(connection.getContentType().startsWith("text/event-stream"), connection.getContentType());
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.startsWith("data:")) {
                    return JSON.readTree(line.substring(5).trim());
                }
            }
        } finally {
            connection.disconnect();
        }
        throw new AssertionError("no event on /scores/stream");
    }
}
