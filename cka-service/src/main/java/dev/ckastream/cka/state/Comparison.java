package dev.ckastream.cka.state;

import java.util.ArrayList;
import java.util.List;

import dev.ckastream.cka.contract.BadActivation;
import dev.ckastream.cka.contract.PooledHalf;
import dev.ckastream.cka.join.CountedReviews;
import dev.ckastream.cka.join.ReviewJoin;
import dev.ckastream.cka.math.CkaScores;
import dev.ckastream.cka.math.CrossLayerCoMoments;
import dev.ckastream.cka.math.GemmEngine;
import dev.ckastream.cka.probe.LayerProbes;
import dev.ckastream.cka.probe.ProbeTrainingSet;

/**
 * Everything cka-service knows about one checkpoint pair: each side's stream signature (shape and model
 * fingerprint, fixed by its first valid record), the join, the co-moment accumulators, the probes'
 * labelled vectors, and counts. Not thread-safe: the listener owns it, readers go through
 * {@link ComparisonStore}.
 */
public final class Comparison {

    /** What happened to one offered half. */
    public record Result(ReviewJoin.Offer offer, List<ReviewJoin.Evicted> evicted) {
    }

    /** A side's stream signature. */
    public record StreamSignature(int layers, int dim, String model) {
    }

    private final String[] names;
    private final GemmEngine gemm;
    private final int updateBatch;
    private final long probeMaxBytes;
    private final double probeC;
    private final StreamSignature[] signatures = new StreamSignature[2];
    private final CountedReviews counted = new CountedReviews();
    private final ReviewJoin join;
    private CrossLayerCoMoments coMoments;
    private LayerProbes probes;
    private long labeled;

    public Comparison(String first, String second, int maxPending, long maxAgeMillis, GemmEngine gemm,
            int updateBatch, long probeMaxBytes, double probeC) {
        this.names = new String[] { first, second };
        this.gemm = gemm;
        this.updateBatch = updateBatch;
        this.probeMaxBytes = probeMaxBytes;
        this.probeC = probeC;
        this.join = new ReviewJoin(maxPending, maxAgeMillis, counted);
    }

    /**
     * Checks a half against its stream's signature (the first valid record fixes it), then joins it; a
     * completed review is added to the accumulators and, when labelled, to the probes' data.
     */
    public Result offer(PooledHalf half, long nowMillis) throws BadActivation {
        checkSignature(half);
        List<ReviewJoin.Evicted> evicted = new ArrayList<>();
        ReviewJoin.Offer offer = join.offer(half, nowMillis, evicted);
        if (offer instanceof ReviewJoin.Completed done) {
            count(done.first(), done.second());
        }
        return new Result(offer, evicted);
    }

    public List<ReviewJoin.Evicted> expire(long nowMillis) {
        return join.expire(nowMillis);
    }

    private void checkSignature(PooledHalf half) throws BadActivation {
        StreamSignature known = signatures[half.side()];
        if (known == null) {
            signatures[half.side()] = new StreamSignature(half.layers(), half.dim(), half.model());
            return;
        }
        if (known.layers() != half.layers() || known.dim() != half.dim()) {
            throw new BadActivation("shape-mismatch", "layers × dim = " + half.layers() + " × " + half.dim()
                    + " but the " + names[half.side()] + " stream so far is " + known.layers() + " × " + known.dim());
        }
        if (!known.model().equals(half.model())) {
            throw new BadActivation("model-mismatch", "model fingerprint " + half.model() + " but the "
                    + names[half.side()] + " stream so far comes from " + known.model());
        }
    }

    private void count(PooledHalf first, PooledHalf second) {
        if (coMoments == null) {
            coMoments = new CrossLayerCoMoments(first.layers(), first.dim(), second.layers(), second.dim(), gemm,
                    updateBatch);
            probes = new LayerProbes(new ProbeTrainingSet(first.layers(), first.dim(), second.layers(), second.dim(),
                    probeMaxBytes), probeC, LayerProbes.DEFAULT_MIN_TRAIN_PER_CLASS, LayerProbes.DEFAULT_MIN_TEST);
        }
        coMoments.add(first.pooled(), second.pooled());
        Integer label = first.label() != null ? first.label() : second.label();
        if (label != null) {
            labeled++;
            probes.add(first.reviewId(), label, first.pooled(), second.pooled());
        }
    }

    /** Scores over every review counted so far (flushes buffered reviews into the accumulators). */
    public CkaScores scores() {
        return coMoments == null ? null : coMoments.scores();
    }

    public long reviews() {
        return coMoments == null ? 0 : coMoments.reviews();
    }

    public long labeled() {
        return labeled;
    }

    public int pending() {
        return join.pending();
    }

    /** The probes (null until the first review is counted); safe to retrain from another thread. */
    public LayerProbes probes() {
        return probes;
    }

    public String first() {
        return names[0];
    }

    public String second() {
        return names[1];
    }

    public String name(int side) {
        return names[side];
    }

    public StreamSignature signature(int side) {
        return signatures[side];
    }
}
