package dev.ckastream.cka.state;

/**
 * The heap one pair's state can take at most, part by part, for a pair of shapes and the settings that bound it:
 * what README "Memory" states and the start-up check compares with the heap. All but the probe sample and the
 * waiting halves are allocated with the pair's first review; those two grow to their bounds.
 *
 * @param coMoments      the float64 accumulators: cross block, both sides' self blocks, sums and shift
 * @param batchBuffer    the float64 batch buffer, at its widest ({@code cka.backlog-batch} + {@code cka.update-batch})
 * @param probeSample    the probes' labelled vectors: {@code cka.probe.max-bytes}, the bound of their reservoir
 * @param intervalSample the retained reviews of the CKA intervals and their cached Gram matrices
 * @param waitingHalves  halves waiting for their other half, at most {@code cka.join.max-pending}
 */
public record StateMemory(long coMoments, long batchBuffer, long probeSample, long intervalSample, long waitingHalves) {

    public static StateMemory of(int firstLayers, int firstDim, int secondLayers, int secondDim,
            Comparison.Settings settings) {
        long w1 = (long) firstLayers * firstDim;
        long w2 = (long) secondLayers * secondDim;
        long w = w1 + w2;
        long nl = firstLayers + secondLayers;
        long coMoments = 8 * (w1 * w2 + (long) firstLayers * firstDim * firstDim
                + (long) secondLayers * secondDim * secondDim + 2 * w + w * nl + nl * nl);
        long batch = 8 * w * (settings.backlogBatch() + settings.updateBatch() + 1L);
        long sample = settings.intervalSample();
        long intervals = 4 * sample * w + 8 * (nl * sample * sample + 2 * sample * sample
                + 2 * sample * Math.max(firstDim, secondDim));
        long waiting = 4L * settings.maxPending() * Math.max(w1, w2);
        return new StateMemory(coMoments, batch, settings.probeMaxBytes(), intervals, waiting);
    }

    public long total() {
        return coMoments + batchBuffer + probeSample + intervalSample + waitingHalves;
    }

    /** "1,634 MB (co-moments 298, batch buffer 50, probe sample ≤ 1,074, interval sample 19, waiting halves ≤ 215)". */
    public String describe() {
        return String.format("%,d MB (co-moments %,d, batch buffer %,d, probe sample ≤ %,d, interval sample %,d,"
                + " waiting halves ≤ %,d)", mb(total()), mb(coMoments), mb(batchBuffer), mb(probeSample),
                mb(intervalSample), mb(waitingHalves));
    }

    static long mb(long bytes) {
        return Math.round(bytes / 1e6);
    }
}
