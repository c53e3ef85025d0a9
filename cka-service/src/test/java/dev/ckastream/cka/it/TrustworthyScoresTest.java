package dev.ckastream.cka.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ckastream.cka.probe.ProbeSplit;
import dev.ckastream.deploy.broker.KafkaBrokerTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The statistics of the score JSON checked as a user would check them, through the documented contract
 * only (activation records in, {@code GET /scores} and {@code cka.scores} out), against computations
 * written here from the definitions:
 * <ol>
 *   <li>unrelated layers (independent halves, 4 × 384) streamed in small numbers (10, 25, 40, 100 reviews)
 *       are never called {@code refined} or {@code untouched}, at any emission;</li>
 *   <li>the debiased diagonal CKA intervals' half-widths agree within a factor of 1.5 with a delete-one
 *       jackknife ({@link JackknifeCka}) over the same pooled vectors, at 250 reviews (the retained sample
 *       holds them all) and at 1,500 (sample 256 &lt; n), on correlated layers with CKA in 0.3–0.9;</li>
 *   <li>probe intervals equal Wilson's formula on the reported accuracy and test count, and each verdict
 *       matches its paired interval; the second checkpoint's vectors carry the label, the first's do not,
 *       so some layer must read {@code better};</li>
 *   <li>every layer's status follows the rule on its reported interval, and {@code settled} /
 *       {@code reviewsToSettle} agree with the statuses, in every emission read.</li>
 * </ol>
 * One stream: the first 100 reviews are unrelated pairs (independent isotropic vectors), the rest correlated
 * (x = zA + e, y = (ρz + √(1−ρ²)w)B + f + label signal); the jackknife runs over whatever was sent, mixture
 * included.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@TestProfile(TrustworthyScoresTest.OwnPair.class)
class TrustworthyScoresTest {

    static final String FIRST = "base";
    static final String SECOND = "tuned";

    /**
     * Its own pair (and so its own topics and state), apart from the other Quarkus tests' reviews; status
     * thresholds at 0.8 / 0.6 (configurable, and between the correlated layers' CKA values, so that every
     * status occurs and the rule is checked against intervals on both sides of both thresholds).
     */
    public static class OwnPair implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("cka.first", FIRST, "cka.second", SECOND, "cka.state-dir", "target/cka-state-trust",
                    "cka.status.untouched", Double.toString(UNTOUCHED), "cka.status.refined", Double.toString(REFINED));
        }
    }

    private static final int LAYERS = 4;
    private static final int DIM = 384;
    private static final int LATENT = 8;
    private static final int UNRELATED = 100;
    private static final int ALL_RETAINED = 250;
    private static final int TOTAL = 1500;
    /**
     * ρ² per layer, y's latent being ρz + √(1−ρ²)w with w independent of z: the correlated part's population
     * CKA is about ρ² (the k = 8 latent directions dominate the d = 384 noise ones).
     */
    private static final double[] RHO_SQUARED = {0.55, 0.7, 0.8, 0.85};
    private static final double UNTOUCHED = 0.8, REFINED = 0.6;
    private static final double Z95 = 1.959963984540054;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Review> sent = new ArrayList<>();

    private record Review(String id, int label, float[] first, float[] second) {
    }

    @Test
    void intervalsStatusesAndVerdictsHoldUpAgainstIndependentComputations() throws Exception {
        Stream data = new Stream(11);
        List<JsonNode> finals = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            // 1. unrelated pairs in small numbers
            for (int upTo : new int[] {10, 25, 40, UNRELATED}) {
                send(producer, data, upTo);
                JsonNode s = awaitScores("exact emission at " + upTo, r -> exactAt(r, upTo));
                finals.add(s);
                List<String> status = texts(s.get("status"));
                System.out.printf("unrelated, %d reviews: status %s, debiased %s, intervals %s, plain diag %s%n",
                        upTo, status, diagonal(s.get("ckaDebiased")), s.get("intervals").get("ckaDebiasedDiagonal"),
                        diagonal(s.get("cka")));
                for (String st : status) {
                    assertTrue(Set.of("rewritten", "settling", "unknown").contains(st),
                            "unrelated layers at " + upTo + " reviews called " + status + ": " + s);
                }
                assertFalse(s.get("settled").asBoolean() && status.contains("settling"), s.toString());
            }

            // 2. correlated layers: all retained, then sampled
            send(producer, data, ALL_RETAINED);
            JsonNode atAll = awaitScores("exact emission at " + ALL_RETAINED, r -> exactAt(r, ALL_RETAINED));
            finals.add(atAll);
            compareWithJackknife(atAll);

            send(producer, data, TOTAL);
            long testReviews = sent.stream().filter(r -> ProbeSplit.isTestReview(r.id())).count();
            JsonNode atTotal = awaitScores("exact emission at " + TOTAL + " with probes on all " + testReviews
                    + " test reviews", r -> exactAt(r, TOTAL) && r.get("probe").get("testReviews").asLong() == testReviews);
            finals.add(atTotal);
            compareWithJackknife(atTotal);

            // 3. the label is in the second checkpoint's vectors only
            List<String> verdicts = texts(atTotal.get("probeVerdict"));
            System.out.printf("probes at %d: %s %s, %s %s, verdicts %s, delta %s%n", TOTAL, FIRST,
                    atTotal.get("probe").get(FIRST), SECOND, atTotal.get("probe").get(SECOND), verdicts,
                    atTotal.get("intervals").get("probeDelta"));
            assertTrue(verdicts.contains("better"), "the label is only in " + SECOND + "'s vectors: " + atTotal);
            assertEquals(List.of("rewritten", "refined", "refined", "untouched"), texts(atTotal.get("status")),
                    "CKA 0.54, 0.69, 0.77, 0.83 with thresholds " + REFINED + " / " + UNTOUCHED + ": " + atTotal);
        }

        // 4. every emission on cka.scores (and the ones polled) keeps the rules
        List<ConsumerRecord<byte[], byte[]>> records = ActivationTraffic.read("cka.scores",
                r -> !r.isEmpty() && lastOfPair(r) != null && exactAt(lastOfPair(r), TOTAL), Duration.ofSeconds(60));
        List<JsonNode> emissions = new ArrayList<>(finals);
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (new String(r.key(), StandardCharsets.UTF_8).equals(FIRST + "~" + SECOND)) {
                emissions.add(JSON.readTree(r.value()));
            }
        }
        Map<String, Integer> seen = new java.util.TreeMap<>();
        int withProbes = 0;
        for (JsonNode e : emissions) {
            checkStatusRule(e);
            withProbes += checkProbeIntervals(e) ? 1 : 0;
            texts(e.get("status")).forEach(st -> seen.merge(st, 1, Integer::sum));
            if (e.get("reviews").asLong() <= UNRELATED) {
                for (String st : texts(e.get("status"))) {
                    assertFalse(st.equals("refined") || st.equals("untouched"),
                            "an emission of unrelated layers calls one " + st + ": " + e);
                }
            }
        }
        System.out.printf("%d emissions checked (%d with probe accuracies); layer statuses seen: %s%n",
                emissions.size(), withProbes, seen);
        assertTrue(emissions.size() > finals.size() + 5, "too few emissions on cka.scores: " + emissions.size());
        assertTrue(withProbes > 0);
    }

    // ------------------------------------------------------------------ checks

    private void compareWithJackknife(JsonNode s) {
        int n = sent.size();
        assertEquals(n, s.get("reviews").asLong());
        assertEquals(0.95, s.get("intervals").get("level").asDouble());
        for (int layer = 0; layer < LAYERS; layer++) {
            double[][] x = layer(layer, true);
            double[][] y = layer(layer, false);
            double debiased = JackknifeCka.debiased(x, y);
            double reported = s.get("ckaDebiased").get(layer).get(layer).asDouble();
            assertEquals(debiased, reported, 1e-9, "debiased CKA of layer " + layer + " at " + n);
            assertTrue(debiased >= 0.3 && debiased <= 0.9, "the case needs CKA in 0.3-0.9, layer " + layer
                    + " has " + debiased);
            JsonNode interval = s.get("intervals").get("ckaDebiasedDiagonal").get(layer);
            double half = (interval.get(1).asDouble() - interval.get(0).asDouble()) / 2;
            double jackknife = Z95 * JackknifeCka.standardError(x, y);
            double ratio = half / jackknife;
            System.out.printf("n = %d, layer %d: debiased CKA %.4f, reported half-width %.5f, jackknife %.5f, "
                    + "ratio %.3f%n", n, layer, debiased, half, jackknife, ratio);
            assertTrue(ratio >= 1 / 1.5 && ratio <= 1.5, "layer " + layer + " at " + n + " reviews: half-width "
                    + half + " vs jackknife " + jackknife + " (ratio " + ratio + ")");
            assertEquals(reported, (interval.get(0).asDouble() + interval.get(1).asDouble()) / 2, 1e-9,
                    "the interval is centred on the estimate");
        }
    }

    /** The status rule on the reported debiased intervals, and settled / reviewsToSettle from the statuses. */
    private static void checkStatusRule(JsonNode s) {
        List<String> status = texts(s.get("status"));
        assertEquals(s.get("layers").asInt(), status.size(), s.toString());
        if (status.isEmpty()) { // before the first review nothing is known, so nothing is settled
            assertEquals(0, s.get("reviews").asLong(), s.toString());
            assertFalse(s.get("settled").asBoolean(), s.toString());
            assertTrue(s.get("reviewsToSettle").isNull(), s.toString());
            return;
        }
        JsonNode intervals = s.get("intervals");
        boolean anyOpen = false;
        for (int layer = 0; layer < status.size(); layer++) {
            JsonNode iv = intervals == null || intervals.isNull() ? null : intervals.get("ckaDebiasedDiagonal").get(layer);
            String expected;
            if (iv == null || iv.isNull()) {
                expected = "unknown";
            } else {
                double lo = iv.get(0).asDouble(), hi = iv.get(1).asDouble();
                assertTrue(lo <= hi, s.toString());
                expected = lo >= UNTOUCHED ? "untouched" : hi < REFINED ? "rewritten"
                        : lo >= REFINED && hi < UNTOUCHED ? "refined" : "settling";
            }
            assertEquals(expected, status.get(layer), "layer " + layer + " at " + s.get("reviews") + ": " + s);
            anyOpen |= expected.equals("unknown") || expected.equals("settling");
        }
        assertEquals(!anyOpen, s.get("settled").asBoolean(), s.toString());
        if (!anyOpen) {
            assertTrue(s.get("reviewsToSettle").isNull(), s.toString());
        } else if (!s.get("reviewsToSettle").isNull()) {
            assertTrue(s.get("reviewsToSettle").asLong() >= 1, s.toString());
        }
    }

    /**
     * Wilson's interval recomputed from each reported accuracy and {@code probe.testReviews}; each verdict
     * from its paired interval. Returns whether the emission had probe accuracies.
     */
    private static boolean checkProbeIntervals(JsonNode s) {
        long tests = s.get("probe").get("testReviews").asLong();
        if (s.get("intervals").isNull()) {
            assertEquals(0, s.get("reviews").asLong(), "intervals are null only before the first review: " + s);
            return false;
        }
        boolean any = false;
        for (String name : List.of(FIRST, SECOND)) {
            JsonNode accuracies = s.get("probe").get(name);
            JsonNode reported = s.get("intervals").get("probe").get(name);
            for (int layer = 0; layer < accuracies.size(); layer++) {
                JsonNode a = accuracies.get(layer);
                if (a.isNull()) {
                    assertTrue(reported.get(layer).isNull(), s.toString());
                    continue;
                }
                any = true;
                double correct = a.asDouble() * tests;
                assertEquals(Math.rint(correct), correct, 1e-6, "accuracy " + a + " is not k/" + tests + ": " + s);
                double[] wilson = wilson(Math.rint(correct), tests);
                assertEquals(wilson[0], reported.get(layer).get(0).asDouble(), 1e-12, name + " layer " + layer + ": " + s);
                assertEquals(wilson[1], reported.get(layer).get(1).asDouble(), 1e-12, name + " layer " + layer + ": " + s);
            }
        }
        for (int layer = 0; layer < s.get("layers").asInt(); layer++) {
            JsonNode delta = s.get("intervals").get("probeDelta").get(layer);
            JsonNode verdict = s.get("probeVerdict").get(layer);
            if (delta.isNull()) {
                assertTrue(verdict.isNull(), s.toString());
                continue;
            }
            double lo = delta.get(0).asDouble(), hi = delta.get(1).asDouble();
            String expected = lo > 0 ? "better" : hi < 0 ? "worse" : "no-clear-change";
            assertEquals(expected, verdict.asText(), "layer " + layer + ": " + s);
            double change = s.get("probe").get(SECOND).get(layer).asDouble() - s.get("probe").get(FIRST).get(layer).asDouble();
            assertTrue(lo <= change + 1e-12 && change <= hi + 1e-12, "the change " + change + " lies outside its interval "
                    + delta + ": " + s);
        }
        return any;
    }

    /** Wilson (1927): (p + z²/2n ± z√(p(1−p)/n + z²/4n²)) / (1 + z²/n). */
    private static double[] wilson(double k, double n) {
        double p = k / n, z2 = Z95 * Z95;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = Z95 * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
        return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
    }

    private static boolean exactAt(JsonNode s, long n) {
        JsonNode iv = s.get("intervals");
        return s.get("reviews").asLong() == n && s.get("pending").asInt() == 0 && iv != null && !iv.isNull()
                && iv.get("reviews").asLong() == n;
    }

    // ------------------------------------------------------------------ data and plumbing

    /**
     * The first 100 reviews: x and y independent N(0, I) (the unrelated random vectors, on which plain
     * CKA reads about 0.9 at 40 reviews). Then per layer x = zA + e and y = (ρz + √(1−ρ²)w)B + f +
     * (2·label − 1)·μu. Every coordinate ≡ 0 mod 7 is offset by ±4: pooled vectors have a mean.
     */
    private static final class Stream {
        final SplittableRandom random;
        final double[][][] a = new double[LAYERS][LATENT][DIM], b = new double[LAYERS][LATENT][DIM];
        final double[][] labelDirection = new double[LAYERS][DIM];
        final double labelShift = 3 * Math.sqrt(LATENT);
        int next;

        Stream(long seed) {
            random = new SplittableRandom(seed);
            for (int l = 0; l < LAYERS; l++) {
                double norm = 0;
                for (int c = 0; c < DIM; c++) {
                    for (int k = 0; k < LATENT; k++) {
                        a[l][k][c] = random.nextGaussian();
                        b[l][k][c] = random.nextGaussian();
                    }
                    labelDirection[l][c] = random.nextGaussian();
                    norm += labelDirection[l][c] * labelDirection[l][c];
                }
                for (int c = 0; c < DIM; c++) {
                    labelDirection[l][c] /= Math.sqrt(norm);
                }
            }
        }

        Review next() {
            int r = next++;
            int label = random.nextInt(2);
            float[] x = new float[LAYERS * DIM], y = new float[LAYERS * DIM];
            for (int l = 0; l < LAYERS; l++) {
                double rho = Math.sqrt(RHO_SQUARED[l]);
                double[] z = gaussians(LATENT), w = gaussians(LATENT), zy = new double[LATENT];
                for (int k = 0; k < LATENT; k++) {
                    zy[k] = rho * z[k] + Math.sqrt(1 - rho * rho) * w[k];
                }
                for (int c = 0; c < DIM; c++) {
                    double xv = random.nextGaussian(), yv = random.nextGaussian();
                    if (r >= UNRELATED) {
                        for (int k = 0; k < LATENT; k++) {
                            xv += z[k] * a[l][k][c];
                            yv += zy[k] * b[l][k][c];
                        }
                        yv += (2 * label - 1) * labelShift * labelDirection[l][c];
                    }
                    double offset = c % 7 == 0 ? 4 : 0; // pooled vectors have a mean
                    x[l * DIM + c] = (float) (xv + offset);
                    y[l * DIM + c] = (float) (yv - offset);
                }
            }
            return new Review("trust-" + r, label, x, y);
        }

        private double[] gaussians(int n) {
            double[] g = new double[n];
            for (int i = 0; i < n; i++) {
                g[i] = random.nextGaussian();
            }
            return g;
        }
    }

    private void send(KafkaProducer<byte[], byte[]> producer, Stream data, int upTo) {
        while (sent.size() < upTo) {
            Review r = data.next();
            sent.add(r);
            producer.send(record("activations." + FIRST, r, r.first(), "fp-base"));
            producer.send(record("activations." + SECOND, r, r.second(), "fp-tuned"));
        }
        producer.flush();
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, Review r, float[] v, String model) {
        return new ProducerRecord<>(topic, null, r.id().getBytes(StandardCharsets.UTF_8), ActivationTraffic.floats(v),
                ActivationTraffic.headers(LAYERS, DIM, 20, r.label(), model));
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put("bootstrap.servers", KafkaBrokerTestResource.broker().bootstrapServers());
        p.put("acks", "all");
        p.put("linger.ms", "5");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private double[][] layer(int layer, boolean first) {
        double[][] v = new double[sent.size()][DIM];
        for (int r = 0; r < sent.size(); r++) {
            float[] p = first ? sent.get(r).first() : sent.get(r).second();
            for (int c = 0; c < DIM; c++) {
                v[r][c] = p[layer * DIM + c];
            }
        }
        return v;
    }

    private static JsonNode lastOfPair(List<ConsumerRecord<byte[], byte[]>> records) {
        for (int i = records.size() - 1; i >= 0; i--) {
            if (new String(records.get(i).key(), StandardCharsets.UTF_8).equals(FIRST + "~" + SECOND)) {
                try {
                    return JSON.readTree(records.get(i).value());
                } catch (java.io.IOException e) {
                    throw new AssertionError("score record is not JSON", e);
                }
            }
        }
        return null;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.isNull() ? null : n.asText()));
        return out;
    }

    private static List<Double> diagonal(JsonNode matrix) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < matrix.size(); i++) {
            out.add(Math.round(matrix.get(i).get(i).asDouble() * 1000) / 1000.0);
        }
        return out;
    }

    private static JsonNode awaitScores(String what, Predicate<JsonNode> done) throws Exception {
        PairHeld.await();
        JsonNode last = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            last = JSON.readTree(given().get("/scores").then().statusCode(200).extract().asString());
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        fail("no " + what + " within 90 s; last /scores: " + last);
        return null;
    }
}
