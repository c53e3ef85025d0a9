package dev.ckastream.cka.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ckastream.contract.ContractVersion;
import dev.ckastream.contract.ScoreReport;

class ScoreTableCsvTest {

    private static final String HEADER = "layer,cka,cka_lo,cka_hi,cka_debiased,cka_debiased_lo,cka_debiased_hi,"
            + "probe_base,probe_base_lo,probe_base_hi,probe_tuned,probe_tuned_lo,probe_tuned_hi,"
            + "probe_delta,probe_delta_lo,probe_delta_hi,probe_verdict,status";

    @Test
    void everyColumnOfEveryLayerWithEmptyCellsForNull() {
        ScoreReport.Intervals intervals = new ScoreReport.Intervals(0.95, 48,
                Arrays.asList(new double[] { 0.99, 1.0 }, new double[] { 0.81234567890123, 0.9 }, null),
                Arrays.asList(new double[] { 0.98, 1.0 }, new double[] { -0.0125, 0.875 }, null),
                Map.of("base", Arrays.asList(new double[] { 0.6, 0.8 }, new double[] { 0.55, 0.75 }, null),
                        "tuned", Arrays.asList(new double[] { 0.7, 0.9 }, new double[] { 0.5, 0.7 }, null)),
                Arrays.asList(new double[] { -0.05, 0.25 }, new double[] { -0.3, 1.0E-5 }, null));
        ScoreReport report = report(List.of("base", "tuned"), 3,
                new Double[][] { { 1.0, 0.5, 0.4 }, { 0.5, 0.8666666666666667, 0.3 }, { 0.4, 0.3, null } },
                new Double[][] { { 0.999, 0.5, 0.4 }, { 0.5, 0.4312, 0.3 }, { 0.4, 0.3, null } },
                Arrays.asList(0.7, 0.65, null), Arrays.asList(0.8, 0.6, 0.5), intervals,
                Arrays.asList("better", "no-clear-change", null), List.of("untouched", "settling", "unknown"));

        String csv = ScoreTableCsv.write(report);

        List<String> lines = List.of(csv.split("\r\n", -1));
        assertEquals(List.of(HEADER,
                "0,1.0,0.99,1.0,0.999,0.98,1.0,0.7,0.6,0.8,0.8,0.7,0.9," + (0.8 - 0.7) + ",-0.05,0.25,better,untouched",
                "1,0.8666666666666667,0.81234567890123,0.9,0.4312,-0.0125,0.875,0.65,0.55,0.75,0.6,0.5,0.7,"
                        + (0.6 - 0.65) + ",-0.3,1.0E-5,no-clear-change,settling",
                "2,,,,,,,,,,0.5,,,,,,,unknown",
                ""), lines, csv);
        assertEquals(18, HEADER.split(",").length);
    }

    @Test
    void beforeTheFirstIntervalEveryIntervalCellIsEmpty() {
        ScoreReport report = report(List.of("base", "tuned"), 2, new Double[][] { { 0.25, 0.5 }, { 0.5, 0.75 } },
                new Double[][] { { null, null }, { null, null } }, Arrays.asList(null, null), Arrays.asList(null, null),
                null, List.of(), List.of("unknown", "unknown"));

        assertEquals(HEADER + "\r\n0,0.25,,,,,,,,,,,,,,,,unknown\r\n1,0.75,,,,,,,,,,,,,,,,unknown\r\n",
                ScoreTableCsv.write(report));
    }

    @Test
    void noLayersYetIsTheHeaderAlone() {
        ScoreReport report = report(List.of("base", "tuned"), 0, new Double[0][], new Double[0][], List.of(), List.of(),
                null, List.of(), List.of());

        assertEquals(HEADER + "\r\n", ScoreTableCsv.write(report));
    }

    @Test
    void checkpointNamesWithSeparatorsOrQuotesAreQuotedInTheHeaderAndKeptOutOfTheFileName() {
        ScoreReport report = report(List.of("base,v1", "tuned \"sst2\""), 0, new Double[0][], new Double[0][],
                List.of(), List.of(), null, List.of(), List.of());

        String header = ScoreTableCsv.write(report).split("\r\n")[0];

        assertEquals("layer,cka,cka_lo,cka_hi,cka_debiased,cka_debiased_lo,cka_debiased_hi,"
                + "\"probe_base,v1\",\"probe_base,v1_lo\",\"probe_base,v1_hi\","
                + "\"probe_tuned \"\"sst2\"\"\",\"probe_tuned \"\"sst2\"\"_lo\",\"probe_tuned \"\"sst2\"\"_hi\","
                + "probe_delta,probe_delta_lo,probe_delta_hi,probe_verdict,status", header);
        assertEquals("cka-base_v1-tuned__sst2_.csv", ScoreTableCsv.filename(report));
        assertEquals("cka-bge-small-en-bge-small-en-v1.5.csv", ScoreTableCsv.filename(report(
                List.of("bge-small-en", "bge-small-en-v1.5"), 0, new Double[0][], new Double[0][], List.of(), List.of(),
                null, List.of(), List.of())));
    }

    private static ScoreReport report(List<String> pair, int layers, Double[][] cka, Double[][] debiased,
            List<Double> probeFirst, List<Double> probeSecond, ScoreReport.Intervals intervals, List<String> verdict,
            List<String> status) {
        Map<String, Object> probe = new LinkedHashMap<>();
        probe.put(pair.get(0), new ArrayList<>(probeFirst));
        probe.put(pair.get(1), new ArrayList<>(probeSecond));
        probe.put("trainReviews", 40);
        probe.put("testReviews", 10);
        return new ScoreReport(ContractVersion.CURRENT, pair, 50, 50, layers, cka, debiased, probe, status, intervals,
                verdict, Map.of(), false, null, 0, 0, 1.5, "2026-01-01T00:00:00Z");
    }
}
