package dev.ckastream.cka.endpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

import dev.ckastream.contract.ScoreReport;

/**
 * The dashboard's per-layer table of one score record as CSV ({@code GET /scores.csv}): RFC 4180 with CRLF line
 * ends, a header row, one row per layer of the first checkpoint. Columns: {@code layer}, then plain and debiased
 * diagonal CKA and each checkpoint's probe accuracy, each followed by its interval's {@code _lo} and {@code _hi},
 * then the probe change (second minus first) with its paired interval, the verdict and the status. Numbers are
 * written as {@link Double#toString} writes them (they read back to the same double, as the JSON's do); an
 * undefined value is an empty cell.
 */
public final class ScoreTableCsv {

    /** The response's media type. */
    public static final String MEDIA_TYPE = "text/csv";

    private ScoreTableCsv() {
    }

    /** The header row for a pair: checkpoint names go into the probe columns' names. */
    public static List<String> header(String first, String second) {
        List<String> header = new ArrayList<>(List.of("layer"));
        triple(header, "cka");
        triple(header, "cka_debiased");
        triple(header, "probe_" + first);
        triple(header, "probe_" + second);
        triple(header, "probe_delta");
        header.add("probe_verdict");
        header.add("status");
        return header;
    }

    /** The file name a browser saves it under: {@code cka-<first>-<second>.csv}, unsafe characters as {@code _}. */
    public static String filename(ScoreReport report) {
        return ("cka-" + report.pair().get(0) + "-" + report.pair().get(1) + ".csv").replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** The whole table. */
    public static String write(ScoreReport report) {
        String first = report.pair().get(0);
        String second = report.pair().get(1);
        ScoreReport.Intervals intervals = report.intervals();
        List<Double> probeFirst = accuracies(report.probe(), first);
        List<Double> probeSecond = accuracies(report.probe(), second);
        StringBuilder out = new StringBuilder();
        try (CSVPrinter csv = new CSVPrinter(out, CSVFormat.RFC4180)) {
            csv.printRecord(header(first, second));
            for (int layer = 0; layer < report.layers(); layer++) {
                Double a = at(probeFirst, layer);
                Double b = at(probeSecond, layer);
                List<String> row = new ArrayList<>();
                row.add(Integer.toString(layer));
                withInterval(row, diagonal(report.cka(), layer), intervals == null ? null : intervals.ckaDiagonal(), layer);
                withInterval(row, diagonal(report.ckaDebiased(), layer),
                        intervals == null ? null : intervals.ckaDebiasedDiagonal(), layer);
                withInterval(row, a, probeIntervals(intervals, first), layer);
                withInterval(row, b, probeIntervals(intervals, second), layer);
                withInterval(row, a == null || b == null ? null : b - a, intervals == null ? null : intervals.probeDelta(),
                        layer);
                row.add(text(at(report.probeVerdict(), layer)));
                row.add(text(at(report.status(), layer)));
                csv.printRecord(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringBuilder does not throw
        }
        return out.toString();
    }

    private static void triple(List<String> header, String name) {
        header.add(name);
        header.add(name + "_lo");
        header.add(name + "_hi");
    }

    private static void withInterval(List<String> row, Double value, List<double[]> intervals, int layer) {
        double[] interval = at(intervals, layer);
        row.add(number(value));
        row.add(interval == null ? "" : number(interval[0]));
        row.add(interval == null ? "" : number(interval[1]));
    }

    private static List<Double> accuracies(Map<String, Object> probe, String name) {
        Object accuracies = probe == null ? null : probe.get(name);
        if (!(accuracies instanceof List<?> list)) {
            return null;
        }
        List<Double> values = new ArrayList<>(list.size());
        for (Object a : list) {
            values.add(a instanceof Number n ? n.doubleValue() : null);
        }
        return values;
    }

    private static List<double[]> probeIntervals(ScoreReport.Intervals intervals, String name) {
        return intervals == null || intervals.probe() == null ? null : intervals.probe().get(name);
    }

    private static Double diagonal(Double[][] matrix, int layer) {
        return matrix != null && layer < matrix.length && matrix[layer] != null && layer < matrix[layer].length
                ? matrix[layer][layer] : null;
    }

    private static <T> T at(List<T> values, int index) {
        return values != null && index < values.size() ? values.get(index) : null;
    }

    private static String number(Double x) {
        return x == null || !Double.isFinite(x) ? "" : Double.toString(x);
    }

    private static String text(String s) {
        return s == null ? "" : s;
    }
}
