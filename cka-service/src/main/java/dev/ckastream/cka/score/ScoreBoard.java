package dev.ckastream.cka.score;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ckastream.cka.config.CkaConfig;
import dev.ckastream.cka.listener.PairPartitions;
import dev.ckastream.contract.ContractVersion;
import dev.ckastream.contract.ScoreReport;
import dev.ckastream.contract.Topics;
import dev.ckastream.cka.math.CkaScores;
import dev.ckastream.cka.observe.CkaMetrics;
import dev.ckastream.cka.observe.CkaMetrics.Work;
import dev.ckastream.cka.probe.LayerProbes;
import dev.ckastream.cka.probe.ProbeReport;
import dev.ckastream.cka.pair.CheckpointPair;
import dev.ckastream.cka.pair.ComparedPairs;
import dev.ckastream.cka.state.Comparison;
import dev.ckastream.cka.state.ComparisonStore;
import dev.ckastream.cka.stats.ConfidenceLevel;
import dev.ckastream.cka.stats.DiagonalIntervals;
import dev.ckastream.cka.stats.LayerStatusRule;
import dev.ckastream.contract.Side;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Computes each pair's score record and publishes it everywhere at once: {@code cka.scores} (key
 * {@code <first>~<second>}), the latest for {@code GET /scores} and {@code GET /scores/pairs}, and an event for
 * every {@code GET /scores/stream} subscriber. {@link #publishIfChanged()} is the only way out, so the three
 * never disagree. It publishes a pair's scores only while this instance holds every partition of that pair.
 */
@ApplicationScoped
public class ScoreBoard {

    private static final Logger LOG = Logger.getLogger(ScoreBoard.class);

    /** What the board keeps per pair between emissions. */
    private final class PairBoard {
        final CheckpointPair pair;
        final AtomicBoolean changed = new AtomicBoolean(true);
        /** The last exactly computed CKA intervals and when; between recomputations they are rescaled. */
        DiagonalIntervals exactIntervals;
        long nanosOfExactIntervals;
        volatile boolean latestIntervalsExact = true;
        volatile ScoreReport latest;
        volatile long reviewsAtLastEmit;
        long nanosAtLastEmit = System.nanoTime();
        double rate;

        PairBoard(CheckpointPair pair) {
            this.pair = pair;
        }
    }

    private final ComparisonStore store;
    private final ComparedPairs pairs;
    private final LayerStatusRule statusRule;
    private final ConfidenceLevel level;
    private final long exactIntervalsEveryNanos;
    private final ObjectMapper json;
    private final BroadcastProcessor<ScoreReport> events = BroadcastProcessor.create();
    private final Map<CheckpointPair, PairBoard> boards = new LinkedHashMap<>();
    private final CkaMetrics metrics;
    private final StreamPace pace;
    /** How long the last emission (every changed pair's) took and when it ended, for {@link #emissionDue()}. */
    private volatile long nanosOfLastEmission;
    private volatile long nanosAtLastEmissionEnd = System.nanoTime();
    /** The last {@link #build}'s time in the scores (without the intervals and the flush). */
    private long scoresNanos;

    @Inject
    @Channel("scores")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1024)
    MutinyEmitter<Record<String, byte[]>> scores;

    /** Only the instance that holds every partition of a pair publishes it (see {@link PairPartitions}). */
    private final PairPartitions partitions;

    @Inject
    public ScoreBoard(ComparisonStore store, ComparedPairs pairs, CkaConfig config, ObjectMapper json,
            CkaMetrics metrics, StreamPace pace, PairPartitions partitions) {
        this.store = store;
        this.pairs = pairs;
        this.partitions = partitions;
        this.metrics = metrics;
        this.pace = pace;
        this.statusRule = new LayerStatusRule(config.status().untouched(), config.status().refined());
        this.level = new ConfidenceLevel(config.intervals().level());
        this.exactIntervalsEveryNanos = config.intervals().every().toNanos();
        this.json = json;
        for (CheckpointPair pair : pairs.pairs()) {
            PairBoard b = new PairBoard(pair);
            b.latest = build(b, true);
            boards.put(pair, b);
        }
    }

    /** Something that every pair's scores depend on has changed (e.g. this instance took its partitions back). */
    public void markChanged() {
        boards.values().forEach(b -> b.changed.set(true));
    }

    /** Something that {@code pair}'s scores depend on has changed (reviews counted, probes retrained, dead letters). */
    public void markChanged(CheckpointPair pair) {
        boards.get(pair).changed.set(true);
    }

    /** Reviews counted since the last emission, in the pair that has counted the most. */
    public long reviewsSinceLastEmit() {
        Map<CheckpointPair, Long> reviews = store.read(cs -> {
            Map<CheckpointPair, Long> r = new LinkedHashMap<>();
            cs.all().forEach(c -> r.put(c.pair(), c.reviews()));
            return r;
        });
        return boards.values().stream().mapToLong(b -> reviews.get(b.pair) - b.reviewsAtLastEmit).max().orElse(0);
    }

    /**
     * Whether an emission now keeps emissions within their share of the time ({@link StreamPace}): after one
     * that took t, the next is due t × (1/share − 1) after it ended, never later than {@code cka.emit-interval}
     * while caught up. This spaces emissions out when they are costly (each costs the same whatever the number
     * of new reviews), and more so while the service is behind.
     */
    public boolean emissionDue() {
        return nanosUntilEmissionDue() <= 0;
    }

    /** How long until an emission is {@link #emissionDue() due}; zero or less: it is due now. */
    public long nanosUntilEmissionDue() {
        return pace.emissionGapNanos(nanosOfLastEmission) - (System.nanoTime() - nanosAtLastEmissionEnd);
    }

    /** Time since the last emission ended. */
    public long nanosSinceLastEmission() {
        return System.nanoTime() - nanosAtLastEmissionEnd;
    }

    /** Computes and publishes the scores of every pair that changed since its last emission (and is held). */
    public synchronized void publishIfChanged() {
        long started = System.nanoTime();
        boolean any = false;
        for (PairBoard b : boards.values()) {
            any |= publishIfChanged(b);
        }
        if (any) {
            long ended = System.nanoTime();
            nanosOfLastEmission = ended - started;
            nanosAtLastEmissionEnd = ended;
        }
    }

    private boolean publishIfChanged(PairBoard b) {
        if (!partitions.holds(b.pair)) {
            return false;
        }
        boolean idleAfterRescaled = !b.latestIntervalsExact && reviewsSinceLastEmit(b) == 0;
        if (!b.changed.getAndSet(false) && !idleAfterRescaled) {
            return false;
        }
        ScoreReport report = build(b, idleAfterRescaled);
        long built = System.nanoTime();
        b.latest = report;
        byte[] value;
        try {
            value = json.writeValueAsBytes(report);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("score record not serialisable", e);
        }
        String key = b.pair.key();
        var metadata = OutgoingKafkaRecordMetadata.<String>builder().withTopic(Topics.SCORES).withKey(key).build();
        scores.sendMessage(Message.of(Record.of(key, value)).addMetadata(metadata)).subscribe().with(
                ok -> { }, failure -> LOG.warnf("score record of %s not written to %s: %s", key, Topics.SCORES,
                        failure.getMessage()));
        events.onNext(report);
        metrics.spent(Work.SCORES, scoresNanos + (System.nanoTime() - built));
        return true;
    }

    private long reviewsSinceLastEmit(PairBoard b) {
        return store.read(cs -> cs.of(b.pair).reviews()) - b.reviewsAtLastEmit;
    }

    /** The latest record of {@code pair}. */
    public ScoreReport latest(CheckpointPair pair) {
        return boards.get(pair).latest;
    }

    /** Every pair's latest record, in configured order. */
    public List<ScoreReport> latestOfEveryPair() {
        return boards.values().stream().map(b -> b.latest).toList();
    }

    /** Every pair's latest record, then every new one of every pair. */
    public Multi<ScoreReport> stream() {
        return Multi.createBy().concatenating().streams(Multi.createFrom().iterable(latestOfEveryPair()), events);
    }

    /** {@code pair}'s latest record, then every new one of it. */
    public Multi<ScoreReport> stream(CheckpointPair pair) {
        List<String> names = List.of(pair.first(), pair.second());
        return Multi.createBy().concatenating().streams(Multi.createFrom().item(() -> latest(pair)),
                events.select().where(r -> r.pair().equals(names)));
    }

    /**
     * Computes a pair's record. The CKA intervals are recomputed exactly when {@code exact}, at most every
     * {@code cka.intervals.every} otherwise (they cost about as much as the scores), and rescaled in between.
     */
    private ScoreReport build(PairBoard b, boolean exact) {
        record Snapshot(CkaScores scores, DiagonalIntervals intervals, long reviews, long labeled, int pending,
                long deadLetters, LayerProbes probes) {
        }
        long began = System.nanoTime();
        long[] folds = new long[2];
        long[] times = new long[2]; // [0]: when the fold ended, [1]: the intervals' time
        // One write: the buffered reviews are folded in, and the scores and intervals computed for exactly those
        // reviews (a second lock section would let the listener buffer more in between). The intervals refresh
        // a Gram cache; the scores themselves are a pure read.
        Snapshot s = store.write(cs -> {
            Comparison c = cs.of(b.pair);
            long before = c.folds();
            long nanos = c.foldNanos();
            c.flush();
            folds[0] = c.folds() - before;
            folds[1] = c.foldNanos() - nanos;
            times[0] = System.nanoTime();
            boolean recompute = exact || b.exactIntervals == null
                    || times[0] - b.nanosOfExactIntervals >= exactIntervalsEveryNanos;
            CkaScores scores = c.scores();
            DiagonalIntervals intervals = null;
            if (scores != null && (recompute || b.exactIntervals.reviews() > c.reviews()
                    || b.exactIntervals.cka().size() != scores.layers(Side.FIRST))) {
                long t = System.nanoTime();
                intervals = c.diagonalIntervals(scores, level);
                times[1] = System.nanoTime() - t;
            }
            return new Snapshot(scores, intervals, c.reviews(), c.labeled(), c.pending(), c.deadLetters(), c.probes());
        });
        metrics.folded(folds[0], folds[1]);
        long started = times[0];
        metrics.spent(Work.UPDATE, started - began);
        long[] intervalNanos = {times[1]};
        if (intervalNanos[0] > 0) {
            metrics.spent(Work.INTERVALS, intervalNanos[0]);
        }
        DiagonalIntervals intervals = s.intervals;
        if (intervals != null) {
            b.exactIntervals = intervals;
            b.nanosOfExactIntervals = started;
        } else if (s.scores != null) {
            intervals = ScoreUncertainty.rescaled(b.exactIntervals, s.scores, s.reviews);
        }
        b.latestIntervalsExact = intervals == null || intervals.reviews() == s.reviews;
        long now = System.nanoTime();
        if (s.reviews > b.reviewsAtLastEmit && now > b.nanosAtLastEmit) {
            b.rate = (s.reviews - b.reviewsAtLastEmit) / ((now - b.nanosAtLastEmit) / 1e9);
        } else if (s.reviews == b.reviewsAtLastEmit) {
            b.rate = 0;
        }
        b.reviewsAtLastEmit = s.reviews;
        b.nanosAtLastEmit = now;
        int layers = s.scores == null ? 0 : s.scores.layers(Side.FIRST);
        Double[][] cka = s.scores == null ? new Double[0][] : boxed(s.scores.cka());
        Double[][] debiased = s.scores == null ? new Double[0][] : boxed(s.scores.ckaDebiased());
        ProbeReport probeReport = s.probes == null ? null : s.probes.lastReport();
        CheckpointPair pair = b.pair;
        ScoreUncertainty trust = ScoreUncertainty.of(Map.of(Side.FIRST, pair.first(), Side.SECOND, pair.second()),
                s.scores, intervals, probeReport, s.reviews, level, statusRule);
        scoresNanos = System.nanoTime() - started - intervalNanos[0];
        return new ScoreReport(ContractVersion.CURRENT, List.of(pair.first(), pair.second()), s.reviews,
                s.labeled, layers, cka, debiased, probe(pair, probeReport, s.scores), trust.status(), trust.intervals(),
                trust.probeVerdict(), trust.probeConverged(), trust.settle().settled(), trust.settle().reviewsToSettle(),
                s.pending, s.deadLetters, b.rate, Instant.now().toString());
    }

    private static Map<String, Object> probe(CheckpointPair pair, ProbeReport report, CkaScores scores) {
        Map<String, Object> probe = new LinkedHashMap<>();
        for (Side side : Side.values()) {
            int layers = scores == null ? 0 : scores.layers(side);
            List<Double> accuracies = new ArrayList<>(layers);
            for (int layer = 0; layer < layers; layer++) {
                accuracies.add(report == null ? null : report.accuracy(side, layer));
            }
            probe.put(pair.name(side), accuracies);
        }
        probe.put("trainReviews", report == null ? 0 : report.trainCount());
        probe.put("testReviews", report == null ? 0 : report.testCount());
        return probe;
    }

    private static Double[][] boxed(double[][] values) {
        Double[][] boxed = new Double[values.length][];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = new Double[values[i].length];
            for (int j = 0; j < values[i].length; j++) {
                boxed[i][j] = Double.isFinite(values[i][j]) ? values[i][j] : null;
            }
        }
        return boxed;
    }
}
