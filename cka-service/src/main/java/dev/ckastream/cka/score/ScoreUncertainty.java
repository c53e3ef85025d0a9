package dev.ckastream.cka.score;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ckastream.cka.math.CkaScores;
import dev.ckastream.cka.probe.ProbeReport;
import dev.ckastream.cka.stats.ChangeVerdict;
import dev.ckastream.cka.stats.ConfidenceLevel;
import dev.ckastream.cka.stats.DiagonalIntervals;
import dev.ckastream.cka.stats.Interval;
import dev.ckastream.cka.stats.LayerStatusRule;
import dev.ckastream.cka.stats.PairedProportionChange;
import dev.ckastream.cka.stats.SettleEstimate;
import dev.ckastream.cka.stats.WilsonInterval;
import dev.ckastream.contract.ScoreReport;
import dev.ckastream.contract.Side;

/**
 * How far to trust one emission's numbers, in the score JSON's terms: the intervals of the diagonal CKA
 * (plain and debiased) and of every probe accuracy (Wilson) and accuracy change (Newcombe, paired on the same
 * test reviews), each layer's status from its debiased interval, the probe verdicts, the probes'
 * convergence, and whether the picture is settled. Plain values in, plain values out.
 *
 * @param intervals       the score JSON's {@code intervals} (null before the first review)
 * @param status          per layer of the first checkpoint
 * @param probeVerdict    per layer: {@code better}, {@code worse}, {@code no-clear-change}, or null
 * @param probeConverged  per checkpoint name, per layer
 */
public record ScoreUncertainty(ScoreReport.Intervals intervals, List<String> status, List<String> probeVerdict,
        Map<String, List<Boolean>> probeConverged, SettleEstimate settle) {

    /**
     * @param names      checkpoint names, by side
     * @param scores     the CKA scores (null before the first review)
     * @param cka        the diagonal intervals for {@code scores} (null before the first review)
     * @param probes     the last probe report (null before the first retrain)
     * @param reviews    reviews counted
     */
    public static ScoreUncertainty of(Map<Side, String> names, CkaScores scores, DiagonalIntervals cka,
            ProbeReport probes, long reviews, ConfidenceLevel level, LayerStatusRule rule) {
        int layersFirst = scores == null ? 0 : scores.layers(Side.FIRST);
        List<Interval> debiased = cka == null ? nulls(layersFirst) : cka.ckaDebiased();
        List<String> status = new ArrayList<>(layersFirst);
        rule.of(debiased).forEach(s -> status.add(s.wireName()));
        SettleEstimate settle = layersFirst == 0 ? new SettleEstimate(false, null) : rule.settle(debiased, reviews);

        Map<String, List<double[]>> probeIntervals = new LinkedHashMap<>();
        Map<String, List<Boolean>> converged = new LinkedHashMap<>();
        for (Side side : Side.values()) {
            int layers = scores == null ? 0 : scores.layers(side);
            List<double[]> perLayer = new ArrayList<>(layers);
            List<Boolean> fitOk = new ArrayList<>(layers);
            for (int l = 0; l < layers; l++) {
                ProbeReport.LayerResult r = probes == null ? null : probes.layer(side, l);
                perLayer.add(r == null || r.accuracy() == null ? null
                        : array(WilsonInterval.of(Math.round(r.accuracy() * r.testCount()), r.testCount(), level)));
                fitOk.add(r == null ? null : r.converged());
            }
            probeIntervals.put(names.get(side), perLayer);
            converged.put(names.get(side), fitOk);
        }

        List<double[]> delta = new ArrayList<>(layersFirst);
        List<String> verdicts = new ArrayList<>(layersFirst);
        for (int l = 0; l < layersFirst; l++) {
            ProbeReport.PairedCounts t = probes == null || probes.paired().size() <= l ? null : probes.paired().get(l);
            PairedProportionChange change = t == null ? null : new PairedProportionChange(t.bothRight(),
                    t.onlyFirstRight(), t.onlySecondRight(), t.neitherRight());
            delta.add(change == null ? null : array(change.interval(level)));
            ChangeVerdict verdict = change == null ? null : change.verdict(level);
            verdicts.add(verdict == null ? null : verdict.wireName());
        }

        ScoreReport.Intervals intervals = scores == null ? null : new ScoreReport.Intervals(level.value(),
                cka == null ? 0 : cka.reviews(), arrays(cka == null ? nulls(layersFirst) : cka.cka()),
                arrays(debiased), probeIntervals, delta);
        return new ScoreUncertainty(intervals, status, verdicts, converged, settle);
    }

    /**
     * The intervals of {@code exact} (computed at {@code exact.reviews()} reviews) moved onto the current
     * estimates: each half-width scaled by {@code sqrt(exact.reviews() / reviews)}, the 1/√n shrinking of a
     * standard error, and centred on the current value. Used between exact recomputations while reviews
     * stream; an undefined interval stays undefined until the next exact one.
     */
    public static DiagonalIntervals rescaled(DiagonalIntervals exact, CkaScores scores, long reviews) {
        double shrink = Math.sqrt((double) exact.reviews() / reviews);
        return new DiagonalIntervals(exact.reviews(), exact.level(), moved(exact.cka(), scores.diagonal(), shrink),
                moved(exact.ckaDebiased(), scores.diagonalDebiased(), shrink));
    }

    private static List<Interval> moved(List<Interval> intervals, double[] estimates, double shrink) {
        List<Interval> moved = new ArrayList<>(intervals.size());
        for (int i = 0; i < intervals.size(); i++) {
            Interval old = intervals.get(i);
            double half = old == null ? Double.NaN : old.halfWidth() * shrink;
            moved.add(old == null || Double.isNaN(estimates[i]) ? null
                    : new Interval(estimates[i] - half, estimates[i] + half));
        }
        return java.util.Collections.unmodifiableList(moved);
    }

    private static List<Interval> nulls(int n) {
        List<Interval> none = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            none.add(null);
        }
        return none;
    }

    private static List<double[]> arrays(List<Interval> intervals) {
        List<double[]> out = new ArrayList<>(intervals.size());
        intervals.forEach(i -> out.add(array(i)));
        return out;
    }

    private static double[] array(Interval i) {
        return i == null ? null : i.toArray();
    }
}
