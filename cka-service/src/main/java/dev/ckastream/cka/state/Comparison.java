package dev.ckastream.cka.state;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.ckastream.cka.join.PooledHalf;
import dev.ckastream.contract.ActivationRejection;
import dev.ckastream.contract.InvalidActivation;
import dev.ckastream.contract.Side;
import dev.ckastream.cka.join.CountedReviews;
import dev.ckastream.cka.join.ReviewJoin;
import dev.ckastream.cka.math.CkaScores;
import dev.ckastream.cka.math.CrossLayerCoMoments;
import dev.ckastream.cka.math.GemmEngine;
import dev.ckastream.cka.pair.CheckpointPair;
import dev.ckastream.cka.probe.LayerProbes;
import dev.ckastream.cka.probe.ProbeTrainingSet;
import dev.ckastream.cka.stats.ConfidenceLevel;
import dev.ckastream.cka.stats.DiagonalCkaIntervals;
import dev.ckastream.cka.stats.DiagonalIntervals;
import dev.ckastream.cka.stats.RetainedReviews;

/**
 * Everything cka-service knows about one checkpoint pair: each side's stream signature (shape and model
 * fingerprint, fixed by its first valid record), the join, the counted review ids, the co-moment
 * accumulators, the probes' labelled vectors and last report, counts, and the input offsets applied so far.
 * The whole of it is exposed as a {@link State} of plain values (which {@code cka/snapshot} writes) and
 * rebuilt from one, so that a restart resumes exactly where the snapshot was taken. Reads
 * ({@link #scores()}, counts) never change it; {@link #flush()} is the explicit write that folds buffered
 * reviews in before scoring. Not thread-safe: {@link ComparisonStore} serialises access.
 */
public final class Comparison {

    /** What happened to one offered half. */
    public record Result(ReviewJoin.Offer offer, List<ReviewJoin.Evicted> evicted) {
    }

    /** A side's stream signature. */
    public record StreamSignature(int layers, int dim, String model) {
    }

    /** Settings that shape the state (from configuration). */
    public record Settings(String first, String second, int maxPending, long maxAgeMillis, int updateBatch,
            long probeMaxBytes, double probeC, int intervalSample, int backlogBatch) {

        /** The default size of the retained sample the CKA intervals are estimated from. */
        public static final int DEFAULT_INTERVAL_SAMPLE = 256;

        public Settings(String first, String second, int maxPending, long maxAgeMillis, int updateBatch,
                long probeMaxBytes, double probeC) {
            this(first, second, maxPending, maxAgeMillis, updateBatch, probeMaxBytes, probeC, DEFAULT_INTERVAL_SAMPLE);
        }

        /** Without backlog batches: every co-moment update folds {@code updateBatch} reviews. */
        public Settings(String first, String second, int maxPending, long maxAgeMillis, int updateBatch,
                long probeMaxBytes, double probeC, int intervalSample) {
            this(first, second, maxPending, maxAgeMillis, updateBatch, probeMaxBytes, probeC, intervalSample,
                    updateBatch);
        }
    }

    /** A half waiting for its other half, with its arrival time. */
    public record Waiting(PooledHalf half, long arrivedMillis) {
    }

    /**
     * The whole state as plain values. {@code coMoments} and {@code probes} are null until the first review is
     * counted; the co-moment arrays are the live ones (see {@link CrossLayerCoMoments.State}).
     */
    public record State(String first, String second, Map<Side, StreamSignature> signatures, long labeled,
            long deadLetters, Map<String, Long> appliedOffsets, long[] countedHashes, List<Waiting> waiting,
            CrossLayerCoMoments.State coMoments, LayerProbes.State probes, RetainedReviews.State retained) {

        /**
         * The same state with the co-moments copied (into {@code spare}'s co-moment arrays when they fit, see
         * {@link CrossLayerCoMoments.State#copyInto}): nothing live left.
         */
        public State detached(CrossLayerCoMoments.State spare) {
            return coMoments == null ? this : new State(first, second, signatures, labeled, deadLetters,
                    appliedOffsets, countedHashes, waiting, coMoments.copyInto(spare), probes, retained);
        }

        /** What {@link #detached} allocates without a spare, in bytes. */
        public long detachBytes() {
            return coMoments == null ? 0 : coMoments.copyBytes();
        }
    }

    /** What restoring a state under the current settings changed, for the log; empty when nothing. */
    public record Restored(Comparison comparison, String settingsChange) {
    }

    private final Settings settings;
    private final GemmEngine gemm;
    private final Map<Side, StreamSignature> signatures = new EnumMap<>(Side.class);
    private final CountedReviews counted;
    private final ReviewJoin join;
    /** Next offset to read, per "topic:partition", for every record whose effect is in this state. */
    private final TreeMap<String, Long> appliedOffsets = new TreeMap<>();
    private CrossLayerCoMoments coMoments;
    private LayerProbes probes;
    /** The reviews the CKA intervals' variances are estimated from (bounded, order-independent). */
    private RetainedReviews retained;
    /** Caches Gram matrices of {@link #retained}; derived, not part of the state. */
    private DiagonalCkaIntervals intervals;
    private long labeled;
    private long deadLetters;
    /** Reviews the current backlog may bring (0 outside one); see {@link #beginBacklog}. */
    private int backlog;

    public Comparison(Settings settings, GemmEngine gemm) {
        this(settings, gemm, new CountedReviews());
    }

    private Comparison(Settings settings, GemmEngine gemm, CountedReviews counted) {
        this.settings = settings;
        this.gemm = gemm;
        this.counted = counted;
        this.join = new ReviewJoin(settings.maxPending(), settings.maxAgeMillis(), counted);
    }

    /**
     * Checks a half against its stream's signature (the first valid record fixes it), then joins it; a
     * completed review is added to the accumulators and, when labelled, to the probes' data.
     */
    public Result offer(PooledHalf half, long nowMillis) throws InvalidActivation {
        checkSignature(half);
        List<ReviewJoin.Evicted> evicted = new ArrayList<>();
        ReviewJoin.Offer offer = join.offer(half, nowMillis, evicted);
        if (offer instanceof ReviewJoin.Completed done) {
            count(done);
        }
        return new Result(offer, evicted);
    }

    public List<ReviewJoin.Evicted> expire(long nowMillis) {
        return join.expire(nowMillis);
    }

    /** Records that the input record at {@code offset} of {@code topic}/{@code partition} has taken effect. */
    public void applied(String topic, int partition, long offset) {
        appliedOffsets.merge(topic + ":" + partition, offset + 1, Math::max);
    }

    /**
     * Whether the input record at {@code offset} has not taken effect in this state yet. The consumer resumes each
     * partition at the offset of the pair that is furthest behind on it (a pair added to a restored set starts from
     * the beginning), so a pair further ahead skips what it already has.
     */
    public boolean unapplied(String topic, int partition, long offset) {
        Long next = appliedOffsets.get(topic + ":" + partition);
        return next == null || offset >= next;
    }

    /** The next offset to read per partition ("topic:partition"), for records whose effect is in this state. */
    public Map<String, Long> appliedOffsets() {
        return Map.copyOf(appliedOffsets);
    }

    public void deadLettered(int records) {
        deadLetters += records;
    }

    private void checkSignature(PooledHalf half) throws InvalidActivation {
        StreamSignature known = signatures.get(half.side());
        if (known == null) {
            signatures.put(half.side(), new StreamSignature(half.layers(), half.dim(), half.model()));
            return;
        }
        if (known.layers() != half.layers() || known.dim() != half.dim()) {
            throw new InvalidActivation(ActivationRejection.SHAPE_MISMATCH, "layers × dim = " + half.layers()
                    + " × " + half.dim() + " but the " + name(half.side()) + " stream so far is " + known.layers()
                    + " × " + known.dim());
        }
        if (!known.model().equals(half.model())) {
            throw new InvalidActivation(ActivationRejection.MODEL_MISMATCH, "model fingerprint " + half.model()
                    + " but the " + name(half.side()) + " stream so far comes from " + known.model());
        }
    }

    private void count(ReviewJoin.Completed done) {
        PooledHalf first = done.first();
        PooledHalf second = done.second();
        if (coMoments == null) {
            coMoments = new CrossLayerCoMoments(first.layers(), first.dim(), second.layers(), second.dim(), gemm,
                    settings.updateBatch());
            probes = new LayerProbes(new ProbeTrainingSet(first.layers(), first.dim(), second.layers(), second.dim(),
                    settings.probeMaxBytes()), settings.probeC(), LayerProbes.DEFAULT_MIN_TRAIN_PER_CLASS,
                    LayerProbes.DEFAULT_MIN_TEST);
            retained = new RetainedReviews(first.layers(), first.dim(), second.layers(), second.dim(),
                    settings.intervalSample());
            if (backlog > 0) {
                coMoments.beginBacklog(backlog);
            }
        }
        coMoments.add(first.pooled(), second.pooled());
        retained.offer(first.reviewId(), first.pooled(), second.pooled());
        if (done.label() != null) {
            labeled++;
            probes.add(first.reviewId(), done.label(), first.pooled(), second.pooled());
        }
    }

    /**
     * Up to {@code records} input records are about to be offered (a polled batch): the reviews they complete
     * are folded into the co-moments together, up to {@code cka.backlog-batch} at once, instead of in batches
     * of {@code cka.update-batch}. Call {@link #endBacklog()} after the last one, in the same write.
     */
    public void beginBacklog(int records) {
        backlog = Math.min(records, settings.backlogBatch());
        if (coMoments != null && backlog > 0) {
            coMoments.beginBacklog(backlog);
        }
    }

    /** Ends {@link #beginBacklog}: what it brought is folded in, fewer than {@code cka.update-batch} stay buffered. */
    public void endBacklog() {
        backlog = 0;
        if (coMoments != null) {
            coMoments.endBacklog();
        }
    }

    /** Folds buffered reviews into the accumulators, so that {@link #scores()} covers every review counted. */
    public void flush() {
        if (coMoments != null) {
            coMoments.flush();
        }
    }

    /**
     * Scores over every review folded in (null before the first review). A pure read: call {@link #flush()}
     * first (under the write lock).
     *
     * @throws IllegalStateException when reviews are buffered
     */
    public CkaScores scores() {
        return coMoments == null ? null : coMoments.scores();
    }

    /**
     * Confidence intervals of the diagonal CKA values in {@code scores} (computed by {@link #scores()} for the
     * same reviews), or null before the first review. It refreshes a cache of Gram matrices over the retained
     * sample (no state a snapshot or a score sees), so call it under the store's write lock.
     */
    public DiagonalIntervals diagonalIntervals(CkaScores scores, ConfidenceLevel level) {
        if (retained == null || scores == null) {
            return null;
        }
        if (intervals == null) {
            intervals = new DiagonalCkaIntervals(retained, gemm);
        }
        return intervals.intervals(scores.diagonal(), scores.diagonalDebiased(), level);
    }

    /** The co-moments' state (live arrays; null before the first review); read under the store's lock. */
    public CrossLayerCoMoments.State coMomentsState() {
        return coMoments == null ? null : coMoments.state();
    }

    /** Co-moment folds so far in this process (0 before the first review); for the service's meters. */
    public long folds() {
        return coMoments == null ? 0 : coMoments.folds();
    }

    /** Time spent in those folds, in nanoseconds. */
    public long foldNanos() {
        return coMoments == null ? 0 : coMoments.foldNanos();
    }

    /** How many reviews the CKA intervals are estimated from (0 before the first review). */
    public int retainedReviews() {
        return retained == null ? 0 : retained.size();
    }

    public long reviews() {
        return coMoments == null ? 0 : coMoments.reviews();
    }

    public long labeled() {
        return labeled;
    }

    public long deadLetters() {
        return deadLetters;
    }

    public int pending() {
        return join.pending();
    }

    /** The probes (null until the first review is counted); safe to retrain from another thread. */
    public LayerProbes probes() {
        return probes;
    }

    public String first() {
        return settings.first();
    }

    /** The settings this comparison was made with. */
    public Settings settings() {
        return settings;
    }

    /** The pair this comparison scores. */
    public CheckpointPair pair() {
        return new CheckpointPair(settings.first(), settings.second());
    }

    public String second() {
        return settings.second();
    }

    /** The configured checkpoint name of a side. */
    public String name(Side side) {
        return side == Side.FIRST ? settings.first() : settings.second();
    }

    public StreamSignature signature(Side side) {
        return signatures.get(side);
    }

    // ------------------------------------------------------------------ state as plain values

    /** The whole state; see {@link State}. Taken under the store's lock, so it matches its offsets. */
    public State state() {
        List<Waiting> waiting = new ArrayList<>();
        join.waiting().forEach(w -> waiting.add(new Waiting(w.getKey(), w.getValue())));
        return new State(settings.first(), settings.second(), Map.copyOf(signatures), labeled, deadLetters,
                Map.copyOf(appliedOffsets), counted.hashes(), List.copyOf(waiting),
                coMoments == null ? null : coMoments.state(), probes == null ? null : probes.state(),
                retained == null ? null : retained.state());
    }

    /**
     * Rebuilds a comparison from a {@link State} under the current settings. The checkpoint names must match
     * (a state of another pair is refused). Limits such as the join bounds come from the settings. The
     * configuration also wins for the probe settings (C, memory bound; the sampling seed is the default, as
     * nothing configures it): when the state's differ, the probes are refitted from the restored labelled
     * reviews and {@link Restored#settingsChange()} says so.
     *
     * @throws IllegalArgumentException when the state belongs to another pair or does not fit together
     */
    public static Restored restore(State s, Settings settings, GemmEngine gemm) {
        if (!s.first().equals(settings.first()) || !s.second().equals(settings.second())) {
            throw new IllegalArgumentException("the snapshot compares " + s.first() + " with " + s.second() + ", not "
                    + settings.first() + " with " + settings.second() + " as configured");
        }
        Comparison c = new Comparison(settings, gemm, CountedReviews.of(s.countedHashes()));
        c.signatures.putAll(s.signatures());
        c.labeled = s.labeled();
        c.deadLetters = s.deadLetters();
        c.appliedOffsets.putAll(s.appliedOffsets());
        s.waiting().forEach(w -> c.join.restore(w.half(), w.arrivedMillis()));
        String change = "";
        if (s.coMoments() != null) {
            c.coMoments = CrossLayerCoMoments.of(s.coMoments(), gemm);
            c.retained = RetainedReviews.restore(s.retained());
            if (c.retained.capacity() != settings.intervalSample()) {
                change = "the interval sample keeps the snapshot's " + c.retained.capacity() + " reviews (cka.intervals.sample "
                        + settings.intervalSample() + " applies to a new state: a larger sample cannot be rebuilt from a smaller one)";
            }
            LayerProbes.State p = s.probes();
            ProbeTrainingSet.State set = p.trainingSet();
            long seed = ProbeTrainingSet.DEFAULT_SEED;
            if (p.c() == settings.probeC() && set.maxBytes() == settings.probeMaxBytes() && set.seed() == seed) {
                c.probes = LayerProbes.of(p);
            } else {
                c.probes = LayerProbes.refitted(p, settings.probeC(), settings.probeMaxBytes(), seed);
                change = (change.isEmpty() ? "" : change + "; ") + "probe settings differ from the snapshot's (C " + p.c() + " -> " + settings.probeC()
                        + ", memory bound " + set.maxBytes() + " -> " + settings.probeMaxBytes() + " bytes"
                        + (set.seed() == seed ? "" : ", sample seed " + set.seed() + " -> " + seed)
                        + "): the configuration wins, refitting the probes from the "
                        + (set.train().view().n() + set.test().view().n()) + " restored labelled reviews";
            }
        }
        return new Restored(c, change);
    }
}
