package dev.ckastream.cka.dashboard;

import static dev.ckastream.cka.dashboard.PageFormat.DASH;
import static dev.ckastream.cka.dashboard.PageFormat.fixed;
import static dev.ckastream.cka.dashboard.PageFormat.signed;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

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
 * The live dashboard at {@code /} in Debian's headless Chromium, driven through Selenium: activation records go
 * through the real embedded broker in two waves while the page is open; the page must receive at least two
 * server-sent events, and once the scores have settled every number it shows (summary strip, settle line,
 * per-layer table with its intervals, verdict colouring, convergence marks and status chips, the diagonal chart's
 * points and intervals, heatmap cells) must equal {@code GET /scores} at that moment: the full-precision
 * {@code data-value} attributes exactly, the displayed text as the page's documented formatting of that value. The
 * page's CSV link is followed and {@code GET /scores.csv} must carry the same numbers. A screenshot is kept at
 * {@code target/dashboard-screenshot.png} (and the dark colour scheme beside it, {@code dashboard-screenshot-dark.png}).
 *
 * <p>Runs under its own test profile (checkpoints {@value #FIRST} and {@value #SECOND}, so its own topics and
 * consumer group): a fresh application whose counts are not mixed with other end-to-end tests', and a pair whose
 * names are not the defaults, so the page is seen to name the checkpoints from the score record.
 *
 * <p>Browser: {@link HeadlessChromium} (Debian's; <b>the test fails on CI when it is missing</b>, and is skipped on
 * a developer's machine without it).
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@TestProfile(DashboardBrowserTest.OwnPair.class)
class DashboardBrowserTest {

    static final String FIRST = "distilbert-base";
    static final String SECOND = "distilbert-sst2";
    private static final Path SCREENSHOT = Path.of("target", "dashboard-screenshot.png");
    private static final Path SCREENSHOT_DARK = Path.of("target", "dashboard-screenshot-dark.png");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int LAYERS = 4;
    private static final int DIM = 6;
    private static final int WAVE = 60;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Own checkpoint names, hence own topics; own consumer group; any free HTTP port (shared machines). */
    public static class OwnPair implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("cka.first", FIRST, "cka.second", SECOND,
                    "mp.messaging.incoming.activations.group.id", "ckastream-cka-dashboard-test",
                    "quarkus.http.test-port", "0");
        }
    }

    private static HeadlessChromium browser;
    private static ChromeDriver driver;

    @TestHTTPResource("/")
    URL page;

    @BeforeEach
    void startBrowser() throws IOException {
        browser = HeadlessChromium.start();
        driver = browser.driver();
        PairHeld.await();
    }

    @AfterEach
    void stopBrowser() throws IOException {
        if (browser != null) {
            browser.close();
            browser = null;
            driver = null;
        }
    }

    @Test
    void pageShowsTheLiveScoresAsServedAtScores() throws Exception {
        long started = System.nanoTime();
        try {
            driver.get(page.toString());
            // The first event is the current state: nothing counted yet.
            Map<String, Object> first = await("the page's first update", () -> {
                Map<String, Object> s = snapshot();
                return updates(s) >= 1 ? s : null;
            });
            assertEquals("0", value(first, "reviews"), "before any review: " + first);
            assertTrue(title(first).contains(FIRST) && title(first).contains(SECOND), "title names the pair: " + first);

            List<Review> reviews = reviews();
            try (ActivationRecords producer = new ActivationRecords()) {
                send(producer, reviews.subList(0, WAVE));
                await("the page to count the first wave", () -> {
                    Map<String, Object> s = snapshot();
                    return String.valueOf(WAVE).equals(value(s, "reviews")) ? s : null;
                });
                send(producer, reviews.subList(WAVE, 2 * WAVE));
            }

            // Settled: the final record (FinalScores), and the page showing the very record /scores serves.
            record Settled(JsonNode scores, Map<String, Object> page) {
            }
            Settled settled = await("the page to show the final scores of /scores", () -> {
                JsonNode before = scores();
                if (!FinalScores.reached(before, 2 * WAVE, LAYERS)) {
                    return null;
                }
                Map<String, Object> s = snapshot();
                JsonNode after = scores();
                String at = after.get("updatedAt").asText();
                return at.equals(before.get("updatedAt").asText()) && at.equals(value(s, "updated-at"))
                        ? new Settled(after, s) : null;
            });
            JsonNode scores = settled.scores();
            Map<String, Object> shown = settled.page();

            assertTrue(updates(shown) >= 2, "at least two updates: " + updates(shown));
            assertEquals("live", shown.get("connection"), "connection state");
            assertEquals(LAYERS, scores.get("layers").asInt());

            // Summary strip.
            assertCount(shown, "reviews", scores.get("reviews"));
            assertCount(shown, "labeled", scores.get("labeled"));
            assertCount(shown, "pending", scores.get("pending"));
            assertCount(shown, "dead-letters", scores.get("deadLetters"));
            assertCount(shown, "train-reviews", scores.get("probe").get("trainReviews"));
            assertCount(shown, "test-reviews", scores.get("probe").get("testReviews"));
            assertNumber(summary(shown, "rate"), scores.get("reviewsPerSecond"), 1, "rate");
            assertEquals(scores.get("updatedAt").asText(), value(shown, "updated-at"));
            assertEquals(scores.get("updatedAt").asText().substring(11, 19) + " UTC", summary(shown, "updated-at").get(1));

            // Settle line and confidence level.
            JsonNode intervals = scores.get("intervals");
            assertTrue(intervals != null && !intervals.isNull(), "intervals defined at " + 2 * WAVE + " reviews: " + scores);
            assertEquals(intervals.get("level").asText(), shown.get("level"), "confidence level");
            @SuppressWarnings("unchecked")
            List<String> settle = (List<String>) shown.get("settle");
            boolean isSettled = scores.get("settled").asBoolean();
            JsonNode toSettle = scores.get("reviewsToSettle");
            assertEquals(List.of(String.valueOf(isSettled), toSettle.isNull() ? "null" : toSettle.asText(),
                    isSettled ? "settled"
                            : toSettle.isNull() ? "not settled yet (no estimate)"
                                    : String.format(Locale.US, "about %,d more reviews to settle", toSettle.asLong())),
                    settle, "settle line");

            // Per-layer table: every number with its interval, Δ coloured by the verdict only, † where a fit did
            // not converge, the status chip.
            List<Map<String, Object>> rows = rows(shown);
            assertEquals(LAYERS, rows.size(), "one row per layer");
            JsonNode converged = scores.get("probeConverged");
            for (int i = 0; i < LAYERS; i++) {
                Map<String, Object> row = rows.get(i);
                String at = "layer " + i + " ";
                assertEquals(String.valueOf(i), row.get("layer"));
                JsonNode pa = scores.get("probe").get(FIRST).get(i);
                JsonNode pb = scores.get("probe").get(SECOND).get(i);
                assertNumber(cell(row, "cka"), scores.get("cka").get(i).get(i), 4, at + "CKA");
                assertInterval(cell(row, "cka"), intervals.get("ckaDiagonal").get(i), false, at + "CKA interval");
                assertNumber(cell(row, "ckaDebiased"), scores.get("ckaDebiased").get(i).get(i), 4, at + "debiased CKA");
                assertInterval(cell(row, "ckaDebiased"), intervals.get("ckaDebiasedDiagonal").get(i), false,
                        at + "debiased CKA interval");
                assertNumber(cell(row, "probeFirst"), pa, 3, at + "probe " + FIRST);
                assertInterval(cell(row, "probeFirst"), intervals.get("probe").get(FIRST).get(i), false,
                        at + "probe " + FIRST + " interval");
                assertConvergence(cell(row, "probeFirst"), converged.get(FIRST).get(i), at + "probe " + FIRST);
                assertNumber(cell(row, "probeSecond"), pb, 3, at + "probe " + SECOND);
                assertInterval(cell(row, "probeSecond"), intervals.get("probe").get(SECOND).get(i), false,
                        at + "probe " + SECOND + " interval");
                assertConvergence(cell(row, "probeSecond"), converged.get(SECOND).get(i), at + "probe " + SECOND);
                Map<String, Object> delta = cell(row, "probeDelta");
                double difference = pb.asDouble() - pa.asDouble();
                assertEquals(difference, Double.parseDouble((String) delta.get("value")), at + "Δ value");
                assertEquals(signed(difference, 3), delta.get("text"), at + "Δ text");
                assertInterval(delta, intervals.get("probeDelta").get(i), true, at + "Δ interval");
                String verdict = scores.get("probeVerdict").get(i).asText();
                assertEquals(verdict, delta.get("verdict"), at + "verdict");
                assertEquals(switch (verdict) {
                    case "better" -> "delta num up";
                    case "worse" -> "delta down num";
                    default -> "delta num";
                }, delta.get("classes"), at + "Δ coloured only for a better or worse verdict (" + verdict + ")");
                String status = scores.get("status").get(i).asText();
                assertEquals(List.of(status, status, "chip status-" + status), row.get("status"), at + "status");
            }
            // The test data make the colouring visible: layer 0 identical (same probe, no change), layer 3 carries
            // the label only in the second checkpoint.
            assertEquals("no-clear-change", scores.get("probeVerdict").get(0).asText(), "verdict, identical layer 0");
            assertEquals("better", scores.get("probeVerdict").get(LAYERS - 1).asText(),
                    "verdict, layer " + (LAYERS - 1) + " (label only in " + SECOND + ")");

            // Diagonal chart: a point per layer and series with its interval; a band per run of defined intervals.
            @SuppressWarnings("unchecked")
            List<List<String>> points = (List<List<String>>) shown.get("chart");
            assertEquals(2 * LAYERS, points.size(), "diagonal chart points");
            for (List<String> p : points) {
                int i = Integer.parseInt(p.get(1));
                String key = p.get(0);
                JsonNode ci = intervals.get(key.equals("cka") ? "ckaDiagonal" : "ckaDebiasedDiagonal").get(i);
                assertEquals(scores.get(key).get(i).get(i).asDouble(), Double.parseDouble(p.get(2)), key + " point " + i);
                if (ci.isNull()) {
                    assertEquals(List.of("null", "null"), p.subList(3, 5), key + " point " + i + " interval");
                } else {
                    assertEquals(List.of(ci.get(0).asDouble(), ci.get(1).asDouble()),
                            List.of(Double.parseDouble(p.get(3)), Double.parseDouble(p.get(4))),
                            key + " point " + i + " interval");
                }
            }
            @SuppressWarnings("unchecked")
            List<List<Object>> bands = (List<List<Object>>) shown.get("bands");
            for (List<Object> band : bands) {
                String key = (String) band.get(0);
                JsonNode ci = intervals.get(key.equals("cka") ? "ckaDiagonal" : "ckaDebiasedDiagonal");
                long defined = 0;
                long runs = 0;
                for (int i = 0; i < LAYERS; i++) {
                    boolean here = !ci.get(i).isNull();
                    defined += here ? 1 : 0;
                    boolean next = i + 1 < LAYERS && !ci.get(i + 1).isNull();
                    runs += here && next && (i == 0 || ci.get(i - 1).isNull()) ? 1 : 0;
                }
                assertEquals(List.of(key, runs, defined), List.of(band.get(0), ((Number) band.get(1)).longValue(),
                        ((Number) band.get(2)).longValue()), key + " bands and whiskers");
            }
            assertEquals(2, bands.size(), "a band group per series");

            // The CSV download: the page links it, and it carries the same table.
            @SuppressWarnings("unchecked")
            List<Object> csvLink = (List<Object>) shown.get("csv");
            assertEquals(List.of(page.toString() + "scores.csv", true), csvLink, "CSV link");
            assertCsv(scores);
            assertEquals(scores.get("updatedAt").asText(), scores().get("updatedAt").asText(),
                    "no new scores while the CSV was read");

            // Heatmap: layers x layers cells, each the full-precision plain CKA; the diagonal chart: two series.
            @SuppressWarnings("unchecked")
            List<List<Object>> cells = (List<List<Object>>) shown.get("heatmap");
            assertEquals(LAYERS * LAYERS, cells.size(), "heatmap cells");
            for (List<Object> c : cells) {
                int i = Integer.parseInt((String) c.get(0));
                int j = Integer.parseInt((String) c.get(1));
                assertEquals(scores.get("cka").get(i).get(j).asDouble(), Double.parseDouble((String) c.get(2)),
                        "heatmap " + i + "," + j);
            }
            assertEquals(2L, ((Number) shown.get("lines")).longValue(), "diagonal chart series");

            // The heatmap's estimator toggle: debiased, then back to plain (what the screenshot shows).
            driver.findElement(By.cssSelector("label:has(input[name='heatmap-kind'][value='ckaDebiased'])")).click();
            assertHeatmap(scores.get("ckaDebiased"), "debiased heatmap");
            driver.findElement(By.cssSelector("label:has(input[name='heatmap-kind'][value='cka'])")).click();
            assertHeatmap(scores.get("cka"), "plain heatmap");
        } finally {
            if (browser != null) {
                browser.screenshot(SCREENSHOT, SCREENSHOT_DARK);
            }
            System.out.printf(Locale.ROOT, "DashboardBrowserTest: page checked in %.1f s; screenshot %s%n",
                    (System.nanoTime() - started) / 1e9, SCREENSHOT.toAbsolutePath());
        }
    }

    /** Every heatmap cell (rows x columns) against {@code matrix}, at full precision. */
    private static void assertHeatmap(JsonNode matrix, String what) {
        List<WebElement> cells = driver.findElements(By.cssSelector("#heatmap rect.cell"));
        assertEquals(LAYERS * LAYERS, cells.size(), what + " cells");
        for (WebElement c : cells) {
            int i = Integer.parseInt(c.getDomAttribute("data-row"));
            int j = Integer.parseInt(c.getDomAttribute("data-col"));
            assertEquals(matrix.get(i).get(j).asDouble(), Double.parseDouble(c.getDomAttribute("data-value")),
                    what + " " + i + "," + j);
        }
    }

    // ---- what the page shows ----------------------------------------------------------------------------------

    /** Everything the assertions read, in one script run: one consistent rendering. */
    private static Map<String, Object> snapshot() {
        Map<String, Object> s = browser.script("""
                const pair = (n) => n ? [n.dataset.value, n.innerText.trim()] : null;
                const numberCell = (td) => {
                  const ci = td.querySelector('.ci');
                  const lo = ci && ci.querySelector('.lo'), hi = ci && ci.querySelector('.hi');
                  return {
                    value: td.dataset.value, text: td.querySelector('.val').innerText.trim(),
                    ci: ci ? (lo && hi ? [lo.dataset.value, lo.innerText.trim(), hi.dataset.value, hi.innerText.trim(),
                                          ci.innerText.trim()]
                                       : [ci.dataset.value, ci.innerText.trim()]) : null,
                    converged: td.dataset.converged === undefined ? 'absent' : td.dataset.converged,
                    dagger: td.querySelectorAll('.unconverged').length,
                    verdict: td.dataset.verdict === undefined ? 'absent' : td.dataset.verdict,
                    classes: [...td.classList].sort().join(' '),
                  };
                };
                const summary = {};
                for (const id of ['reviews', 'labeled', 'rate', 'pending', 'dead-letters', 'train-reviews',
                                  'test-reviews', 'updated-at']) {
                  summary[id] = pair(document.getElementById(id));
                }
                const rows = [...document.querySelectorAll('#layers-body tr[data-layer]')].map((tr) => {
                  const row = { layer: tr.dataset.layer };
                  tr.querySelectorAll('td[data-col]').forEach((td) => {
                    row[td.dataset.col] = td.dataset.col === 'status'
                      ? [td.dataset.value, td.innerText.trim(), td.querySelector('.chip').className]
                      : numberCell(td);
                  });
                  return row;
                });
                const heatmap = [...document.querySelectorAll('#heatmap rect.cell')]
                  .map((r) => [r.dataset.row, r.dataset.col, r.dataset.value]);
                const settle = document.getElementById('settle');
                const csv = document.getElementById('csv-link');
                return {
                  settle: [settle.dataset.settled, settle.dataset.value, document.getElementById('settle-text').innerText],
                  level: document.getElementById('level').dataset.value,
                  csv: csv ? [csv.href, csv.hasAttribute('download')] : null,
                  chart: [...document.querySelectorAll('#diagonal-chart .series .point')]
                    .map((c) => [c.dataset.series, c.dataset.layer, c.dataset.value, c.dataset.lo, c.dataset.hi]),
                  bands: [...document.querySelectorAll('#diagonal-chart .bands')].map((g) => [g.classList.contains('series-plain')
                    ? 'cka' : 'ckaDebiased', g.querySelectorAll('.band').length, g.querySelectorAll('.whisker').length]),
                  updates: document.body.dataset.updates,
                  connection: document.body.dataset.connection,
                  title: document.getElementById('title').innerText,
                  summary, rows, heatmap,
                  points: document.querySelectorAll('#diagonal-chart .series .point').length,
                  lines: document.querySelectorAll('#diagonal-chart .series .line').length,
                };
                """);
        return s;
    }

    private static int updates(Map<String, Object> s) {
        return Integer.parseInt((String) s.get("updates"));
    }

    private static String title(Map<String, Object> s) {
        return (String) s.get("title");
    }

    @SuppressWarnings("unchecked")
    private static List<String> summary(Map<String, Object> s, String id) {
        return (List<String>) ((Map<String, Object>) s.get("summary")).get(id);
    }

    private static String value(Map<String, Object> s, String id) {
        return summary(s, id).get(0);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rows(Map<String, Object> s) {
        return (List<Map<String, Object>>) s.get("rows");
    }

    /** A number cell: value, text, ci, converged, dagger, verdict, classes (see the snapshot script). */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> cell(Map<String, Object> row, String column) {
        return (Map<String, Object>) row.get(column);
    }

    private static void assertCount(Map<String, Object> shown, String id, JsonNode expected) {
        assertEquals(expected.asText(), value(shown, id), id + " value");
        assertEquals(String.format(Locale.US, "%,d", expected.asLong()), summary(shown, id).get(1), id + " text");
    }

    /** [data-value, text] against a JSON number or null. */
    private static void assertNumber(List<String> shown, JsonNode expected, int digits, String what) {
        if (expected == null || expected.isNull()) {
            assertEquals(List.of("null", DASH), shown, what);
            return;
        }
        assertEquals(expected.asDouble(), Double.parseDouble(shown.get(0)), what + " value");
        assertEquals(fixed(expected.asDouble(), digits), shown.get(1), what + " text");
    }

    /** A table cell's value and text against a JSON number or null. */
    private static void assertNumber(Map<String, Object> cell, JsonNode expected, int digits, String what) {
        assertNumber(List.of((String) cell.get("value"), (String) cell.get("text")), expected, digits, what);
    }

    /**
     * A table cell's interval against the JSON's {@code [lo, hi]} or null: each end's data-value exactly, its text
     * with 3 decimals ({@code signed} ones for a difference), shown as "[lo, hi]"; nothing shown for null.
     */
    @SuppressWarnings("unchecked")
    private static void assertInterval(Map<String, Object> cell, JsonNode expected, boolean signed, String what) {
        List<String> ci = (List<String>) cell.get("ci");
        if (expected == null || expected.isNull()) {
            assertEquals(List.of("null", ""), ci, what);
            return;
        }
        double lo = expected.get(0).asDouble();
        double hi = expected.get(1).asDouble();
        String loText = signed ? signed(lo, 3) : fixed(lo, 3);
        String hiText = signed ? signed(hi, 3) : fixed(hi, 3);
        assertEquals(5, ci.size(), what + ": " + ci);
        assertEquals(lo, Double.parseDouble(ci.get(0)), what + " lower value");
        assertEquals(hi, Double.parseDouble(ci.get(2)), what + " upper value");
        assertEquals(List.of(loText, hiText, "[" + loText + ", " + hiText + "]"), List.of(ci.get(1), ci.get(3), ci.get(4)),
                what + " text");
    }

    /** data-converged as the JSON's flag, and a "†" exactly when the fit did not converge. */
    private static void assertConvergence(Map<String, Object> cell, JsonNode converged, String what) {
        String flag = converged == null || converged.isNull() ? "null" : String.valueOf(converged.asBoolean());
        assertEquals(flag, cell.get("converged"), what + " converged");
        assertEquals(flag.equals("false") ? 1L : 0L, ((Number) cell.get("dagger")).longValue(), what + " †");
    }

    /**
     * {@code GET /scores.csv} against the record: headers, the column names, and every cell of every layer (numbers
     * read back to the JSON's double, empty for null).
     */
    private static void assertCsv(JsonNode scores) {
        io.restassured.response.Response response = given().get("/scores.csv").then().statusCode(200).extract().response();
        assertTrue(response.contentType().startsWith("text/csv"), "CSV content type: " + response.contentType());
        assertEquals("attachment; filename=\"cka-" + FIRST + "-" + SECOND + ".csv\"",
                response.header("Content-Disposition"), "CSV file name");
        List<String> lines = List.of(response.asString().split("\r\n"));
        String p1 = "probe_" + FIRST;
        String p2 = "probe_" + SECOND;
        assertEquals(String.join(",", "layer", "cka", "cka_lo", "cka_hi", "cka_debiased", "cka_debiased_lo",
                "cka_debiased_hi", p1, p1 + "_lo", p1 + "_hi", p2, p2 + "_lo", p2 + "_hi", "probe_delta",
                "probe_delta_lo", "probe_delta_hi", "probe_verdict", "status"), lines.get(0), "CSV header");
        assertEquals(LAYERS + 1, lines.size(), "CSV: header and one row per layer: " + lines);
        JsonNode intervals = scores.get("intervals");
        for (int i = 0; i < LAYERS; i++) {
            String[] cells = lines.get(i + 1).split(",", -1);
            assertEquals(18, cells.length, "CSV row " + i + ": " + lines.get(i + 1));
            JsonNode pa = scores.get("probe").get(FIRST).get(i);
            JsonNode pb = scores.get("probe").get(SECOND).get(i);
            List<JsonNode> expected = List.of(scores.get("cka").get(i).get(i), scores.get("ckaDebiased").get(i).get(i),
                    pa, pb, pa.isNull() || pb.isNull() ? JSON.nullNode() : JSON.getNodeFactory().numberNode(pb.asDouble() - pa.asDouble()));
            List<JsonNode> ci = List.of(intervals.get("ckaDiagonal").get(i), intervals.get("ckaDebiasedDiagonal").get(i),
                    intervals.get("probe").get(FIRST).get(i), intervals.get("probe").get(SECOND).get(i),
                    intervals.get("probeDelta").get(i));
            assertEquals(String.valueOf(i), cells[0], "CSV layer");
            for (int k = 0; k < expected.size(); k++) {
                String column = "CSV row " + i + " column " + (1 + 3 * k);
                assertCsvNumber(expected.get(k), cells[1 + 3 * k], column);
                assertCsvNumber(ci.get(k).isNull() ? null : ci.get(k).get(0), cells[2 + 3 * k], column + " lo");
                assertCsvNumber(ci.get(k).isNull() ? null : ci.get(k).get(1), cells[3 + 3 * k], column + " hi");
            }
            JsonNode verdict = scores.get("probeVerdict").get(i);
            assertEquals(verdict.isNull() ? "" : verdict.asText(), cells[16], "CSV verdict " + i);
            assertEquals(scores.get("status").get(i).asText(), cells[17], "CSV status " + i);
        }
    }

    private static void assertCsvNumber(JsonNode expected, String cell, String what) {
        if (expected == null || expected.isNull()) {
            assertEquals("", cell, what);
        } else {
            assertEquals(expected.asDouble(), Double.parseDouble(cell), what);
        }
    }

    // ---- the service ------------------------------------------------------------------------------------------

    private static JsonNode scores() {
        try {
            return JSON.readTree(given().get("/scores").then().statusCode(200).extract().asString());
        } catch (IOException e) {
            throw new AssertionError("/scores is not JSON", e);
        }
    }

    /** Polls until {@code probe} answers non-null; fails with {@code what} after {@link #TIMEOUT}. */
    private static <T> T await(String what, Supplier<T> probe) throws InterruptedException {
        return Polling.until(what, TIMEOUT, probe, () -> "page: " + snapshot() + "; /scores: " + scores());
    }

    // ---- activation records -----------------------------------------------------------------------------------

    /** Pooled activations of one review, both checkpoints, layer-major. */
    private record Review(String id, int label, float[] first, float[] second) {
    }

    /**
     * Layer 0 identical, layer 1 a scaled copy with a little noise, layer 2 a noisier copy, layer 3 unrelated and
     * carrying the label only in the second checkpoint: different statuses, the same probe accuracy where the
     * layers agree, and a clear probe gain on layer 3.
     */
    private static List<Review> reviews() {
        Random random = new Random(11);
        List<Review> reviews = new ArrayList<>();
        for (int r = 0; r < 2 * WAVE; r++) {
            int label = r % 2;
            float[] a = new float[LAYERS * DIM];
            float[] b = new float[LAYERS * DIM];
            for (int k = 0; k < a.length; k++) {
                int layer = k / DIM;
                int d = k % DIM;
                a[k] = (float) (random.nextGaussian() + (d == 1 && layer < LAYERS - 1 ? 2.5 * label : 0));
                b[k] = switch (layer) {
                    case 0 -> a[k];
                    case 1 -> (float) (2 * a[k] + 0.15 * random.nextGaussian());
                    case 2 -> (float) (a[k] + 0.45 * random.nextGaussian());
                    default -> (float) (random.nextGaussian() + (d == 3 ? 4.0 * label : 0));
                };
            }
            reviews.add(new Review("dash-" + r, label, a, b));
        }
        long test = reviews.stream().filter(r -> ProbeSplit.isTestReview(r.id())).count();
        assertTrue(test >= 8 && reviews.size() - test >= 40, "probe split of the test data: " + test + " test reviews");
        return reviews;
    }

    private static void send(ActivationRecords producer, List<Review> reviews) throws Exception {
        for (Review r : reviews) {
            producer.send(FIRST, r.id(), r.label(), r.first(), LAYERS, DIM, "fp-base");
            producer.send(SECOND, r.id(), r.label(), r.second(), LAYERS, DIM, "fp-sst2");
        }
        producer.flush();
    }
}
