package dev.ckastream.cka.probe;

import java.util.List;
import java.util.Map;

import dev.ckastream.contract.Side;

/**
 * Result of one {@link LayerProbes#retrain()}: per checkpoint per layer.
 *
 * @param sides           {@code sides.get(side).get(layer)}, both sides present
 * @param trainCount      training reviews used (kept in the training sample at the snapshot)
 * @param trainPositives  of which label 1
 * @param testCount       test reviews used for accuracy
 * @param trainSeen       distinct training reviews offered so far (kept or sampled out)
 * @param testSeen        distinct test reviews offered so far
 * @param fitted          whether the probes were (re)fitted: false below the training minimum
 * @param elapsedNanos    wall time of the retrain
 * @param paired          per layer of the first checkpoint (paired with the second's layer at the same relative
 *                        depth): how the two probes did on the same test reviews; empty when not evaluated
 */
public record ProbeReport(Map<Side, List<LayerResult>> sides, int trainCount, int trainPositives, int testCount,
        long trainSeen, long testSeen, boolean fitted, long elapsedNanos, List<PairedCounts> paired) {

    /**
     * The 2 × 2 table of one layer's two probes on the same test reviews: both right, only the first
     * checkpoint's right, only the second's, neither. Its discordant counts give the paired interval of the
     * accuracy change.
     */
    public record PairedCounts(int bothRight, int onlyFirstRight, int onlySecondRight, int neitherRight) {
    }

    /** A report with no paired evaluation (not fitted, or too few test reviews). */
    public ProbeReport(Map<Side, List<LayerResult>> sides, int trainCount, int trainPositives, int testCount,
            long trainSeen, long testSeen, boolean fitted, long elapsedNanos) {
        this(sides, trainCount, trainPositives, testCount, trainSeen, testSeen, fitted, elapsedNanos, List.of());
    }

    public ProbeReport {
        paired = List.copyOf(paired);
        sides = Map.copyOf(sides);
        if (!sides.keySet().containsAll(List.of(Side.values()))) {
            throw new IllegalArgumentException("a probe report covers both sides, got " + sides.keySet());
        }
    }

    /**
     * One probe.
     *
     * @param accuracy     test accuracy, or null until there are enough data (see {@link LayerProbes})
     * @param iterations   Newton iterations of this fit (0 when not fitted)
     * @param gradientNorm final gradient norm (NaN when not fitted)
     * @param converged    whether the fit reached its tolerance; null when not fitted
     */
    public record LayerResult(Side side, int layer, Double accuracy, int trainCount, int testCount, int iterations,
            double gradientNorm, Boolean converged) {
    }

    public LayerResult layer(Side side, int layer) {
        return sides.get(side).get(layer);
    }

    public Double accuracy(Side side, int layer) {
        return layer(side, layer).accuracy();
    }

    /** Whether the probe's fit converged (null when not fitted): published as {@code probeConverged}. */
    public Boolean converged(Side side, int layer) {
        return layer(side, layer).converged();
    }
}
