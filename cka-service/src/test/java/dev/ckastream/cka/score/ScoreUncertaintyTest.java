package dev.ckastream.cka.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ckastream.cka.math.CkaScores;
import dev.ckastream.cka.math.CrossLayerCoMoments;
import dev.ckastream.cka.math.GemmEngine;
import dev.ckastream.cka.probe.ProbeReport;
import dev.ckastream.cka.stats.ConfidenceLevel;
import dev.ckastream.cka.stats.DiagonalIntervals;
import dev.ckastream.cka.stats.Interval;
import dev.ckastream.cka.stats.LayerStatusRule;
import dev.ckastream.contract.Side;

class ScoreUncertaintyTest {

    private static final ConfidenceLevel LEVEL = ConfidenceLevel.NINETY_FIVE;
    private static final LayerStatusRule RULE = new LayerStatusRule(0.99, 0.85);
    private static final Map<Side, String> NAMES = Map.of(Side.FIRST, "base", Side.SECOND, "tuned");

    /** Two layers per side, CKA from real co-moments of random data (the values do not matter here). */
    private static CkaScores scores() {
        CrossLayerCoMoments m = new CrossLayerCoMoments(2, 3, 2, 3, GemmEngine.best(), 8);
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < 40; i++) {
            double[] a = new double[6];
            double[] b = new double[6];
            for (int k = 0; k < 6; k++) {
                a[k] = r.nextGaussian();
                b[k] = a[k] + 0.3 * r.nextGaussian();
            }
            m.add(a, b);
        }
        m.flush();
        return m.scores();
    }

    private static ProbeReport report(int tests, double[] first, double[] second, List<ProbeReport.PairedCounts> paired) {
        List<ProbeReport.LayerResult> a = List.of(
                new ProbeReport.LayerResult(Side.FIRST, 0, first[0], 100, tests, 5, 1e-12, true),
                new ProbeReport.LayerResult(Side.FIRST, 1, first[1], 100, tests, 5, 1e-3, false));
        List<ProbeReport.LayerResult> b = List.of(
                new ProbeReport.LayerResult(Side.SECOND, 0, second[0], 100, tests, 5, 1e-12, true),
                new ProbeReport.LayerResult(Side.SECOND, 1, second[1], 100, tests, 5, 1e-12, true));
        return new ProbeReport(Map.of(Side.FIRST, a, Side.SECOND, b), 100, 50, tests, 100, tests, true, 0, paired);
    }

    @Test
    void probeIntervalsAreWilsonOnTheTestReviewsAndTheChangeIsPairedWithAVerdict() {
        CkaScores scores = scores();
        // layer 0: 200 tests, first 150 right, second 190 right, discordant 2 vs 42: clearly better
        // layer 1: first 160, second 161, discordant 10 vs 11: no clear change
        List<ProbeReport.PairedCounts> paired = List.of(new ProbeReport.PairedCounts(148, 2, 42, 8),
                new ProbeReport.PairedCounts(150, 10, 11, 29));
        ProbeReport probes = report(200, new double[] {0.75, 0.80}, new double[] {0.95, 0.805}, paired);
        DiagonalIntervals cka = new DiagonalIntervals(40, 0.95, Arrays.asList(new Interval(0.5, 0.7), null),
                Arrays.asList(new Interval(0.995, 0.999), new Interval(0.80, 0.95)));
        ScoreUncertainty u = ScoreUncertainty.of(NAMES, scores, cka, probes, 40, LEVEL, RULE);

        double z = 1.959963984540054;
        double p = 0.75, n = 200;
        double centre = (p + z * z / (2 * n)) / (1 + z * z / n);
        double half = z / (1 + z * z / n) * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n));
        assertArrayEquals(new double[] {centre - half, centre + half}, u.intervals().probe().get("base").get(0), 1e-9);
        assertEquals(List.of("better", "no-clear-change"), u.probeVerdict());
        double[] delta0 = u.intervals().probeDelta().get(0);
        assertTrue(delta0[0] > 0 && delta0[0] < 0.2 && delta0[1] > 0.2, Arrays.toString(delta0));
        double[] delta1 = u.intervals().probeDelta().get(1);
        assertTrue(delta1[0] < 0 && delta1[1] > 0, Arrays.toString(delta1));
        assertEquals(List.of("untouched", "settling"), u.status());
        assertFalse(u.settle().settled());
        assertEquals(Arrays.asList(true, false), u.probeConverged().get("base"));
        assertEquals(Arrays.asList(true, true), u.probeConverged().get("tuned"));
        assertNull(u.intervals().ckaDiagonal().get(1));
        assertEquals(40, u.intervals().reviews());
    }

    @Test
    void beforeAnyProbeOrIntervalEverythingIsNullAndNothingIsSettled() {
        CkaScores scores = scores();
        ScoreUncertainty u = ScoreUncertainty.of(NAMES, scores, null, null, 3, LEVEL, RULE);
        assertEquals(List.of("unknown", "unknown"), u.status());
        assertEquals(Arrays.asList(null, null), u.probeVerdict());
        assertNull(u.intervals().probe().get("base").get(0));
        assertNull(u.intervals().ckaDebiasedDiagonal().get(0));
        assertFalse(u.settle().settled());
        assertNull(u.settle().reviewsToSettle());

        ScoreUncertainty none = ScoreUncertainty.of(NAMES, null, null, null, 0, LEVEL, RULE);
        assertNull(none.intervals());
        assertEquals(List.of(), none.status());
    }

    @Test
    void rescaledIntervalsShrinkAsOneOverRootNAroundTheCurrentEstimates() {
        CkaScores scores = scores();
        DiagonalIntervals exact = new DiagonalIntervals(100, 0.95, Arrays.asList(new Interval(0.4, 0.6), null),
                Arrays.asList(new Interval(0.3, 0.5), new Interval(0.7, 0.9)));
        DiagonalIntervals moved = ScoreUncertainty.rescaled(exact, scores, 400);
        assertEquals(100, moved.reviews());
        double[] plain = scores.diagonal();
        double[] debiased = scores.diagonalDebiased();
        assertEquals(plain[0] - 0.05, moved.cka().get(0).lower(), 1e-12);
        assertEquals(plain[0] + 0.05, moved.cka().get(0).upper(), 1e-12);
        assertNull(moved.cka().get(1));
        assertEquals(debiased[1] - 0.05, moved.ckaDebiased().get(1).lower(), 1e-12);
    }
}
