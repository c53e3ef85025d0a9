package dev.ckastream.cka.dashboard;

import static dev.ckastream.cka.dashboard.PageFormat.DASH;
import static dev.ckastream.cka.dashboard.PageFormat.fixed;
import static dev.ckastream.cka.dashboard.PageFormat.level;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.Select;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ckastream.cka.it.PairHeld;
import dev.ckastream.cka.probe.ProbeSplit;
import dev.ckastream.deploy.broker.KafkaBrokerTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The dashboard of a training run, in headless Chromium ({@link HeadlessChromium}): four checkpoints
 * ({@code cka.checkpoints}, default pairs: the first against each later one), activation records of every
 * checkpoint through the real embedded broker while the page is open. Once every pair's scores have settled:
 * <ul>
 * <li>the trajectory heatmap has one column per later checkpoint in configured order and one cell per layer, whose
 * {@code data-value} is that pair's debiased diagonal CKA of {@code GET /scores?pair=...} at that moment (full
 * precision, {@code null} as such), its {@code data-lo}/{@code data-hi} the interval, and its hover title both as
 * the page's documented formatting;</li>
 * <li>the probe trajectory has the first checkpoint's accuracy (from the first pair) and each later one's (from
 * its pair) with the Wilson interval in the hover title;</li>
 * <li>the pair chooser lists the pairs in configured order, shows the first by default, and choosing another
 * switches the per-layer table, the title and the CSV link to that pair's numbers.</li>
 * </ul>
 * Screenshots at {@code target/trajectory-screenshot.png} and {@code target/trajectory-screenshot-dark.png}.
 *
 * <p>Own test profile (own checkpoint names, hence own topics, and own consumer group): a fresh application whose
 * counts are not mixed with other end-to-end tests'.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@TestProfile(TrajectoryBrowserTest.TrainingRun.class)
class TrajectoryBrowserTest {

    /** A base checkpoint and three later ones, as a fine-tuning run saves them (t = 1/3, 2/3, 1). */
    static final List<String> CHECKPOINTS = List.of("traj-base", "traj-t33", "traj-t67", "traj-t100");
    private static final String BASE = CHECKPOINTS.get(0);
    private static final List<String> LATER = CHECKPOINTS.subList(1, CHECKPOINTS.size());
    private static final Path SCREENSHOT = Path.of("target", "trajectory-screenshot.png");
    private static final Path SCREENSHOT_DARK = Path.of("target", "trajectory-screenshot-dark.png");
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int LAYERS = 4;
    private static final int DIM = 6;
    private static final int REVIEWS = 120;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Four checkpoints with their own names and topics; own consumer group; any free HTTP port. */
    public static class TrainingRun implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("cka.checkpoints", String.join(",", CHECKPOINTS),
                    "mp.messaging.incoming.activations.group.id", "ckastream-cka-trajectory-test",
                    "quarkus.http.test-port", "0");
        }
    }

    private HeadlessChromium browser;

    @TestHTTPResource("/")
    URL page;

    @BeforeEach
    void startBrowser() throws IOException {
        browser = HeadlessChromium.start();
        PairHeld.await();
    }

    @AfterEach
    void stopBrowser() throws IOException {
        if (browser != null) {
            browser.close();
        }
    }

    /** The pair keys, in configured order: the base against each later checkpoint. */
    private static List<String> pairs() {
        return LATER.stream().map(later -> BASE + "~" + later).toList();
    }

    @Test
    void pageShowsTheTrajectoryAndEveryPairAsServed() throws Exception {
        long started = System.nanoTime();
        try {
            JsonNode configured = json(given().get("/scores/pairs").then().statusCode(200).extract().asString());
            assertEquals(CHECKPOINTS, strings(configured.get("checkpoints")), "/scores/pairs checkpoints");
            List<String> servedPairs = new ArrayList<>();
            configured.get("pairs").forEach(r -> servedPairs.add(String.join("~", strings(r.get("pair")))));
            assertEquals(pairs(), servedPairs, "/scores/pairs: the first checkpoint against each later one, in order");

            browser.driver().get(page.toString());
            // The stream's first events: every pair's current record; the chooser lists them in configured order.
            Map<String, Object> first = await("the page to list every pair", () -> {
                Map<String, Object> s = snapshot();
                return updates(s) >= pairs().size() && pairs().equals(s.get("options")) ? s : null;
            });
            assertEquals(false, first.get("chooserHidden"), "the pair chooser is shown with several pairs");
            assertEquals(false, first.get("trajectoryHidden"), "the trajectory is shown: the pairs share " + BASE);
            assertEquals(pairs().get(0), first.get("chosen"), "the first pair is shown by default");
            assertEquals("0", first.get("reviews"), "nothing counted yet: " + first);

            try (ActivationRecords producer = new ActivationRecords()) {
                for (Review r : reviews()) {
                    for (int c = 0; c < CHECKPOINTS.size(); c++) {
                        producer.send(CHECKPOINTS.get(c), r.id(), r.label(), r.pooled()[c], LAYERS, DIM, "fp-" + c);
                    }
                }
                producer.flush();
            }

            // Settled: every pair's final record (FinalScores), and the page showing the very records
            // /scores?pair= serves (the same updatedAt before and after reading the page).
            record Settled(Map<String, JsonNode> scores, Map<String, Object> page) {
            }
            Settled settled = await("the trajectory to show every pair's final scores", () -> {
                Map<String, JsonNode> before = everyPair();
                if (!before.values().stream().allMatch(r -> FinalScores.reached(r, REVIEWS, LAYERS))) {
                    return null;
                }
                Map<String, Object> s = snapshot();
                Map<String, JsonNode> after = everyPair();
                for (String key : pairs()) {
                    String at = after.get(key).get("updatedAt").asText();
                    if (!at.equals(before.get(key).get("updatedAt").asText()) || !at.equals(columnUpdatedAt(s, key))) {
                        return null;
                    }
                }
                return new Settled(after, s);
            });
            Map<String, JsonNode> scores = settled.scores();
            Map<String, Object> shown = settled.page();
            assertEquals("live", shown.get("connection"), "connection state");

            assertTrajectoryCka(shown, scores);
            assertTrajectoryProbe(shown, scores);
            // The test data make the trajectory visible (and the pairs' tables distinct): the top layer drifts
            // further from the base at every step.
            double[] top = pairs().stream().mapToDouble(k -> scores.get(k).get("ckaDebiased").get(LAYERS - 1)
                    .get(LAYERS - 1).asDouble()).toArray();
            assertTrue(top[0] > top[1] && top[1] > top[2], "top layer's debiased CKA falls along the run: "
                    + Arrays.toString(top));

            // The views of one pair: the first by default, then each other pair as chosen.
            assertShowsPair(pairs().get(0), scores.get(pairs().get(0)));
            for (String key : List.of(pairs().get(2), pairs().get(1))) {
                new Select(browser.driver().findElement(By.id("pair-select"))).selectByValue(key);
                Map<String, Object> now = await("the table to show " + key, () -> {
                    JsonNode before = onePair(key);
                    Map<String, Object> s = snapshot();
                    return before.get("updatedAt").asText().equals(s.get("updatedAt"))
                            && before.get("updatedAt").asText().equals(onePair(key).get("updatedAt").asText()) ? s : null;
                });
                assertEquals(key, now.get("chosen"), "chosen pair");
                assertShowsPair(key, onePair(key));
            }
        } finally {
            if (browser != null) {
                browser.screenshot(SCREENSHOT, SCREENSHOT_DARK);
            }
            System.out.printf(Locale.ROOT, "TrajectoryBrowserTest: page checked in %.1f s; screenshot %s%n",
                    (System.nanoTime() - started) / 1e9, SCREENSHOT.toAbsolutePath());
        }
    }

    /**
     * Columns: the later checkpoints in configured order, each read from its pair; cells: every layer's debiased
     * diagonal CKA and interval at full precision, the shown value with 2 decimals, the hover title with 4.
     */
    private static void assertTrajectoryCka(Map<String, Object> shown, Map<String, JsonNode> scores) {
        List<Map<String, Object>> columns = list(shown, "columns");
        assertEquals(LATER, columns.stream().map(c -> c.get("checkpoint")).toList(), "trajectory columns");
        for (int c = 0; c < LATER.size(); c++) {
            Map<String, Object> column = columns.get(c);
            String key = pairs().get(c);
            assertEquals(key, column.get("pair"), "column " + LATER.get(c) + " is read from its pair");
            JsonNode r = scores.get(key);
            String level = level(r.get("intervals").get("level").asDouble());
            @SuppressWarnings("unchecked")
            List<List<String>> cells = (List<List<String>>) column.get("cells");
            assertEquals(LAYERS, cells.size(), key + ": one cell per layer");
            for (int i = 0; i < LAYERS; i++) {
                List<String> cell = cells.get(i);
                String at = key + " layer " + i + " ";
                JsonNode v = r.get("ckaDebiased").get(i).get(i);
                JsonNode ci = r.get("intervals").get("ckaDebiasedDiagonal").get(i);
                assertEquals(String.valueOf(i), cell.get(0), at + "layer");
                assertDouble(v, cell.get(1), at + "value");
                assertDouble(ci.isNull() ? null : ci.get(0), cell.get(2), at + "lower");
                assertDouble(ci.isNull() ? null : ci.get(1), cell.get(3), at + "upper");
                String value = v.isNull() ? DASH : fixed(v.asDouble(), 4);
                assertEquals(BASE + " vs " + LATER.get(c) + ", layer " + i + ": debiased CKA " + value + " "
                        + (ci.isNull() ? "(no interval yet)" : "[" + fixed(ci.get(0).asDouble(), 4) + ", "
                                + fixed(ci.get(1).asDouble(), 4) + "] (" + level + " interval)"),
                        cell.get(4), at + "hover title");
                assertEquals(v.isNull() ? DASH : fixed(v.asDouble(), 2), cell.get(5), at + "shown value");
                assertEquals(v.isNull() ? "cell undefined" : "cell", cell.get(6), at + "class");
            }
            // Every interval of the test data is defined at this count: the hover titles above carried them.
            assertFalse(r.get("intervals").get("ckaDebiasedDiagonal").get(LAYERS - 1).isNull(), key + " interval");
        }
    }

    /** Header: every checkpoint in order; cells: the base's accuracy from the first pair, each later one's from its pair. */
    private static void assertTrajectoryProbe(Map<String, Object> shown, Map<String, JsonNode> scores) {
        assertEquals(CHECKPOINTS, shown.get("probeHead"), "probe trajectory columns");
        List<List<List<String>>> rows = list(shown, "probeRows");
        assertEquals(LAYERS, rows.size(), "probe trajectory rows");
        for (int i = 0; i < LAYERS; i++) {
            List<List<String>> row = rows.get(i);
            assertEquals(CHECKPOINTS.size(), row.size(), "layer " + i + " cells");
            for (int c = 0; c < CHECKPOINTS.size(); c++) {
                String checkpoint = CHECKPOINTS.get(c);
                String key = pairs().get(Math.max(0, c - 1));
                JsonNode r = scores.get(key);
                List<String> cell = row.get(c);
                String at = "probe " + checkpoint + " layer " + i + " ";
                assertEquals(List.of(checkpoint, key), cell.subList(0, 2), at + "read from");
                JsonNode v = r.get("probe").get(checkpoint).get(i);
                JsonNode ci = r.get("intervals").get("probe").get(checkpoint).get(i);
                assertDouble(v, cell.get(2), at + "value");
                assertDouble(ci.isNull() ? null : ci.get(0), cell.get(3), at + "lower");
                assertDouble(ci.isNull() ? null : ci.get(1), cell.get(4), at + "upper");
                String value = v.isNull() ? DASH : fixed(v.asDouble(), 3);
                assertEquals(checkpoint + ", layer " + i + ": probe accuracy " + value + " "
                        + (ci.isNull() ? "(no interval yet)" : "[" + fixed(ci.get(0).asDouble(), 3) + ", "
                                + fixed(ci.get(1).asDouble(), 3) + "] (" + level(r.get("intervals").get("level").asDouble())
                                + " Wilson interval, " + String.format(Locale.US, "%,d",
                                        r.get("probe").get("testReviews").asLong()) + " test reviews)"),
                        cell.get(5), at + "hover title");
                assertEquals(value, cell.get(6), at + "shown value");
            }
        }
    }

    /** The per-pair views name {@code key} and show its record: title, table, CSV link. */
    private void assertShowsPair(String key, JsonNode r) {
        Map<String, Object> s = snapshot();
        String[] names = key.split("~");
        assertEquals(key, s.get("chosen"), "body data-pair");
        assertEquals(key, s.get("selected"), "the chooser's value");
        String title = (String) s.get("title");
        assertTrue(title.contains(names[0]) && title.contains(names[1]), "title names " + key + ": " + title);
        assertEquals(r.get("updatedAt").asText(), s.get("updatedAt"), key + " record shown");
        assertEquals(page + "scores.csv?pair=" + key, s.get("csv"), "CSV link of " + key);
        List<Map<String, String>> rows = list(s, "table");
        assertEquals(LAYERS, rows.size(), key + " table rows");
        for (int i = 0; i < LAYERS; i++) {
            Map<String, String> row = rows.get(i);
            String at = key + " table layer " + i + " ";
            assertDouble(r.get("cka").get(i).get(i), row.get("cka"), at + "CKA");
            assertDouble(r.get("ckaDebiased").get(i).get(i), row.get("ckaDebiased"), at + "debiased CKA");
            assertDouble(r.get("probe").get(names[0]).get(i), row.get("probeFirst"), at + "probe " + names[0]);
            assertDouble(r.get("probe").get(names[1]).get(i), row.get("probeSecond"), at + "probe " + names[1]);
            assertEquals(r.get("status").get(i).asText(), row.get("status"), at + "status");
        }
        // The link the page offers answers with this pair's table.
        io.restassured.response.Response csv = given().queryParam("pair", key).get("/scores.csv").then()
                .statusCode(200).extract().response();
        assertEquals("attachment; filename=\"cka-" + names[0] + "-" + names[1] + ".csv\"",
                csv.header("Content-Disposition"), "CSV of " + key);
    }

    // ---- what the page shows ----------------------------------------------------------------------------------

    /** Everything the assertions read, in one script run: one consistent rendering. */
    private Map<String, Object> snapshot() {
        return browser.script("""
                const select = document.getElementById('pair-select');
                const columns = [...document.querySelectorAll('#trajectory-cka g.column')].map((g) => ({
                  checkpoint: g.dataset.checkpoint, pair: g.dataset.pair, updatedAt: g.dataset.updatedAt,
                  cells: [...g.querySelectorAll('rect.cell')].map((r) => {
                    const label = r.nextElementSibling && r.nextElementSibling.matches('text.value')
                      ? r.nextElementSibling.textContent : null;
                    return [r.dataset.layer, r.dataset.value, r.dataset.lo, r.dataset.hi,
                            r.querySelector('title').textContent, label, r.getAttribute('class')];
                  }),
                }));
                const probeRows = [...document.querySelectorAll('#trajectory-probe-body tr[data-layer]')].map((tr) =>
                  [...tr.querySelectorAll('td[data-checkpoint]')].map((td) => [td.dataset.checkpoint, td.dataset.pair,
                    td.dataset.value, td.dataset.lo, td.dataset.hi, td.title, td.querySelector('.val').textContent]));
                const table = [...document.querySelectorAll('#layers-body tr[data-layer]')].map((tr) => {
                  const row = {};
                  tr.querySelectorAll('td[data-col]').forEach((td) => { row[td.dataset.col] = td.dataset.value; });
                  return row;
                });
                return {
                  updates: document.body.dataset.updates,
                  connection: document.body.dataset.connection,
                  chosen: document.body.dataset.pair,
                  selected: select.value,
                  options: [...select.options].map((o) => o.value),
                  chooserHidden: document.getElementById('pair-chooser').hidden,
                  trajectoryHidden: document.getElementById('trajectory').hidden,
                  title: document.getElementById('title').innerText,
                  reviews: document.getElementById('reviews').dataset.value,
                  updatedAt: document.getElementById('updated-at').dataset.value,
                  csv: document.getElementById('csv-link').href,
                  probeHead: [...document.querySelectorAll('#trajectory-probe-head th[data-checkpoint]')]
                    .map((th) => th.dataset.checkpoint),
                  columns, probeRows, table,
                };
                """);
    }

    private static int updates(Map<String, Object> s) {
        return Integer.parseInt((String) s.get("updates"));
    }

    private static String columnUpdatedAt(Map<String, Object> s, String key) {
        List<Map<String, Object>> columns = list(s, "columns");
        return columns.stream().filter(c -> key.equals(c.get("pair"))).map(c -> (String) c.get("updatedAt"))
                .findFirst().orElse(null);
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> list(Map<String, Object> s, String name) {
        return (List<T>) s.get(name);
    }

    /** A data-value against a JSON number or null ("null"), at full precision. */
    private static void assertDouble(JsonNode expected, String shown, String what) {
        if (expected == null || expected.isNull()) {
            assertEquals("null", shown, what);
        } else {
            assertEquals(expected.asDouble(), Double.parseDouble(shown), what);
        }
    }

    // ---- the service ------------------------------------------------------------------------------------------

    private static JsonNode onePair(String key) {
        return json(given().queryParam("pair", key).get("/scores").then().statusCode(200).extract().asString());
    }

    private static Map<String, JsonNode> everyPair() {
        Map<String, JsonNode> scores = new LinkedHashMap<>();
        for (String key : pairs()) {
            scores.put(key, onePair(key));
        }
        return scores;
    }

    private static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private <T> T await(String what, Supplier<T> probe) throws InterruptedException {
        return Polling.until(what, TIMEOUT, probe, () -> "page: " + snapshot() + "; /scores/pairs: "
                + given().get("/scores/pairs").asString());
    }

    // ---- activation records -----------------------------------------------------------------------------------

    /** One review's pooled vectors, pooled[checkpoint][layer * DIM + d]. */
    private record Review(String id, int label, float[][] pooled) {
    }

    /**
     * Checkpoint c of the run (t = c / 3) moves layer l away from the base by w = t · l / (layers − 1): the base's
     * vector times (1 − w) plus fresh noise times w, so layer 0 stays identical and the top layer is unrelated at
     * t = 1 (debiased CKA falls along both the layers and the run); a label signal that only the later checkpoints
     * carry on the top layer, growing with t, gives the probes something to gain.
     */
    private static List<Review> reviews() {
        Random random = new Random(23);
        List<Review> reviews = new ArrayList<>();
        int checkpoints = CHECKPOINTS.size();
        for (int r = 0; r < REVIEWS; r++) {
            int label = r % 2;
            float[][] pooled = new float[checkpoints][LAYERS * DIM];
            for (int k = 0; k < LAYERS * DIM; k++) {
                int layer = k / DIM;
                int d = k % DIM;
                pooled[0][k] = (float) (random.nextGaussian() + (d == 1 ? 2.0 * label : 0));
                for (int c = 1; c < checkpoints; c++) {
                    double t = c / (double) (checkpoints - 1);
                    double w = t * layer / (LAYERS - 1);
                    double signal = layer == LAYERS - 1 && d == 3 ? 1.5 * t * label : 0;
                    pooled[c][k] = (float) ((1 - w) * pooled[0][k] + w * random.nextGaussian() + signal);
                }
            }
            reviews.add(new Review("trajectory-" + r, label, pooled));
        }
        long test = reviews.stream().filter(r -> ProbeSplit.isTestReview(r.id())).count();
        assertTrue(test >= 8 && reviews.size() - test >= 40, "probe split of the test data: " + test + " test reviews");
        return reviews;
    }
}
