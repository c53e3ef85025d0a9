package dev.ckastream.cka.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ckastream.cka.math.OfflineCka;
import dev.ckastream.deploy.broker.KafkaBrokerTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * One cka-service for a training run: four checkpoints (a base and three later ones, each further from the base),
 * the default pairs (the base against each later one), on a real broker. Every pair's final scores must equal the
 * direct full-batch CKA over the vectors that were sent; each topic is consumed once, a bad record on the base's
 * topic (read by all three pairs) is dead-lettered once and counted by each pair; {@code cka.scores} carries one
 * key per pair; {@code GET /scores} asks which pair, {@code GET /scores/pairs} and the event stream carry all.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@TestProfile(SeveralPairsEndToEndTest.TrainingRun.class)
class SeveralPairsEndToEndTest {

    static final List<String> CHECKPOINTS = List.of("run-base", "run-step1", "run-step2", "run-step3");
    private static final int LAYERS = 3;
    private static final int DIM = 6;
    private static final int REVIEWS = 48;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Own checkpoint names (own topics) and consumer group. */
    public static class TrainingRun implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("cka.checkpoints", String.join(",", CHECKPOINTS),
                    "mp.messaging.incoming.activations.group.id", "ckastream-cka-several-pairs-test",
                    "quarkus.http.test-port", "0");
        }
    }

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    @Test
    void everyPairEqualsTheOfflineComputationAndIsServedUnderItsOwnKey() throws Exception {
        Random random = new Random(11);
        // pooled.get(id)[checkpoint]: checkpoint k keeps layer 0, and moves layers 1 and 2 further with k.
        Map<String, float[][]> pooled = new LinkedHashMap<>();
        Map<String, Integer> labels = new HashMap<>();
        for (int r = 0; r < REVIEWS; r++) {
            String id = "run-" + r;
            int label = random.nextInt(2);
            float[][] v = new float[CHECKPOINTS.size()][LAYERS * DIM];
            for (int k = 0; k < LAYERS * DIM; k++) {
                v[0][k] = (float) (random.nextGaussian() + (k % DIM == 0 ? 2.0 * label : 0));
            }
            for (int c = 1; c < CHECKPOINTS.size(); c++) {
                for (int k = 0; k < LAYERS * DIM; k++) {
                    int layer = k / DIM;
                    double move = layer == 0 ? 0 : layer * c * 0.4;
                    v[c][k] = (float) (v[0][k] + move * random.nextGaussian());
                }
            }
            pooled.put(id, v);
            labels.put(id, label);
        }
        List<String> ids = new ArrayList<>(pooled.keySet());
        try (ActivationTraffic traffic = new ActivationTraffic()) {
            List<String> order = new ArrayList<>(ids);
            Collections.shuffle(order, random);
            for (String id : order) {
                List<Integer> checkpoints = new ArrayList<>(List.of(0, 1, 2, 3));
                Collections.shuffle(checkpoints, random);
                for (int c : checkpoints) {
                    traffic.send(topic(c), id, ActivationTraffic.floats(pooled.get(id)[c]),
                            ActivationTraffic.headers(LAYERS, DIM, 9, labels.get(id), "model" + c));
                }
            }
            // One bad record on the base's topic: every pair reads it, one dead letter.
            traffic.send(topic(0), "run-bad", new byte[7], ActivationTraffic.headers(LAYERS, DIM, 9, 1, "model0"));
        }

        PairHeld.await();
        given().get("/scores").then().statusCode(400);
        assertTrue(given().get("/scores").then().extract().jsonPath().getString("error")
                .contains("run-base~run-step1, run-base~run-step2, run-base~run-step3"));
        given().queryParam("pair", "run-step1~run-base").get("/scores").then().statusCode(404);

        JsonNode all = awaitEveryPair(REVIEWS);
        assertEquals(CHECKPOINTS, strings(all.get("checkpoints")));
        assertEquals(3, all.get("pairs").size());
        double previousTop = Double.POSITIVE_INFINITY;
        for (int c = 1; c < CHECKPOINTS.size(); c++) {
            JsonNode scores = all.get("pairs").get(c - 1);
            assertEquals(List.of(CHECKPOINTS.get(0), CHECKPOINTS.get(c)), strings(scores.get("pair")));
            assertEquals(REVIEWS, scores.get("reviews").asLong());
            assertEquals(1, scores.get("deadLetters").asLong(), "the bad base record concerns every pair");
            for (int i = 0; i < LAYERS; i++) {
                for (int j = 0; j < LAYERS; j++) {
                    double[][] x = layer(ids, pooled, 0, i);
                    double[][] y = layer(ids, pooled, c, j);
                    assertEquals(OfflineCka.linearCka(x, y), scores.get("cka").get(i).get(j).asDouble(), 1e-9,
                            scores.get("pair") + " cka " + i + "," + j);
                    assertEquals(OfflineCka.debiasedCka(x, y), scores.get("ckaDebiased").get(i).get(j).asDouble(), 1e-9,
                            scores.get("pair") + " debiased " + i + "," + j);
                }
            }
            // The trajectory the data was built with: the top layer moves further from the base at each step.
            double top = scores.get("ckaDebiased").get(LAYERS - 1).get(LAYERS - 1).asDouble();
            assertTrue(top < previousTop, "top layer's CKA falls along the run: " + top + " after " + previousTop);
            previousTop = top;
            JsonNode one = JSON.readTree(given().queryParam("pair", CHECKPOINTS.get(0) + "~" + CHECKPOINTS.get(c))
                    .get("/scores").then().statusCode(200).extract().asString());
            assertEquals(scores.get("ckaDebiased"), one.get("ckaDebiased"));
        }

        List<ConsumerRecord<byte[], byte[]>> dlq = ActivationTraffic.read("activations.dlq",
                r -> r.stream().anyMatch(SeveralPairsEndToEndTest::isBadRecord), Duration.ofSeconds(30));
        assertEquals(1, dlq.stream().filter(SeveralPairsEndToEndTest::isBadRecord).count(),
                "a bad record read by three pairs is dead-lettered once");

        Set<String> keys = new TreeSet<>();
        ActivationTraffic.read("cka.scores", r -> {
            r.forEach(rec -> keys.add(new String(rec.key(), StandardCharsets.UTF_8)));
            return keys.containsAll(List.of("run-base~run-step1", "run-base~run-step2", "run-base~run-step3"));
        }, Duration.ofSeconds(30));
        assertTrue(keys.containsAll(List.of("run-base~run-step1", "run-base~run-step2", "run-base~run-step3")),
                keys.toString());

        assertEquals(Set.of("run-base~run-step1", "run-base~run-step2", "run-base~run-step3"), streamPairs(null, 3));
        assertEquals(Set.of("run-base~run-step2"), streamPairs("run-base~run-step2", 2));
    }

    private static boolean isBadRecord(ConsumerRecord<byte[], byte[]> r) {
        return r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals("run-bad");
    }

    private static String topic(int checkpoint) {
        return "activations." + CHECKPOINTS.get(checkpoint);
    }

    private static List<String> strings(JsonNode array) {
        List<String> list = new ArrayList<>();
        array.forEach(n -> list.add(n.asText()));
        return list;
    }

    private static double[][] layer(List<String> ids, Map<String, float[][]> pooled, int checkpoint, int layer) {
        double[][] x = new double[ids.size()][DIM];
        for (int r = 0; r < ids.size(); r++) {
            for (int d = 0; d < DIM; d++) {
                x[r][d] = pooled.get(ids.get(r))[checkpoint][layer * DIM + d];
            }
        }
        return x;
    }

    private JsonNode awaitEveryPair(int reviews) throws Exception {
        JsonNode last = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            last = JSON.readTree(given().get("/scores/pairs").then().statusCode(200).extract().asString());
            boolean done = true;
            for (JsonNode p : last.get("pairs")) {
                done &= p.get("reviews").asLong() == reviews && p.get("deadLetters").asLong() == 1;
            }
            if (done) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not every pair reached " + reviews + " reviews: " + last);
    }

    /** The pairs named by the first {@code events} events of the stream (all pairs, or {@code pair}'s only). */
    private Set<String> streamPairs(String pair, int events) throws Exception {
        String query = pair == null ? "" : "?pair=" + pair;
        HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/scores/stream"
                + query).toURL().openConnection();
        connection.setReadTimeout(5_000);
        Set<String> seen = new TreeSet<>();
        int read = 0;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(connection.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null && read < events; line = reader.readLine()) {
                if (line.startsWith("data:")) {
                    JsonNode r = JSON.readTree(line.substring(5).trim());
                    seen.add(r.get("pair").get(0).asText() + "~" + r.get("pair").get(1).asText());
                    read++;
                }
            }
        } catch (java.net.SocketTimeoutException e) {
            // fewer events than asked for: what was seen is compared
        } finally {
            connection.disconnect();
        }
        return seen;
    }
}
