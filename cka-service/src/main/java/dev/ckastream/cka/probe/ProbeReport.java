package dev.ckastream.cka.probe;

import java.util.List;

/**
 * Result of one {@link LayerProbes#retrain()}: per checkpoint (index 0 = A, 1 = B) per layer.
 *
 * @param checkpoints     {@code checkpoints.get(ck).get(layer)}
 * @param trainCount      training reviews used (kept in the training sample at the snapshot)
 * @param trainPositives  of which label 1
 * @param testCount       test reviews used for accuracy
 * @param trainSeen       distinct training reviews offered so far (kept or sampled out)
 * @param testSeen        distinct test reviews offered so far
 * @param fitted          whether the probes were (re)fitted: false below the training minimum
 * @param elapsedNanos    wall time of the retrain
 */
public record ProbeReport(List<List<LayerResult>> checkpoints, int trainCount, int trainPositives, int testCount,
        long trainSeen, long testSeen, boolean fitted, long elapsedNanos) {

    /**
     * One probe.
     *
     * @param accuracy     test accuracy, or null until there are enough data (see {@link LayerProbes})
     * @param iterations   Newton iterations of this fit (0 when not fitted)
     * @param gradientNorm final gradient norm (NaN when not fitted)
     */
    public record LayerResult(int checkpoint, int layer, Double accuracy, int trainCount, int testCount,
            int iterations, double gradientNorm, boolean converged) {
    }

    public LayerResult layer(int checkpoint, int layer) {
        return checkpoints.get(checkpoint).get(layer);
    }

    public Double accuracy(int checkpoint, int layer) {
        return layer(checkpoint, layer).accuracy();
    }
}
