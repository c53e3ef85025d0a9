package dev.ckastream.cka.score;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.PreDestroy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.ckastream.cka.config.CkaConfig;
import dev.ckastream.cka.observe.CkaMetrics;
import dev.ckastream.cka.observe.CkaMetrics.Work;
import dev.ckastream.cka.probe.LayerProbes;
import dev.ckastream.cka.probe.ProbeReport;
import dev.ckastream.cka.probe.UnconvergedProbes;
import dev.ckastream.cka.pair.CheckpointPair;
import dev.ckastream.cka.state.ComparisonStore;
import io.quarkus.scheduler.Scheduled;

/**
 * Retrains the probes (warm start) on a background thread of its own: after every {@code cka.probe.every}
 * new labelled reviews, but no more than {@code cka.probe.max-share} of one core while the stream is busy
 * ({@code cka.backlog.probe-share} while the service is behind, see {@link StreamPace}): a retrain pauses after
 * every 20 ms of work for as long as its share asks ({@link DutyCycle}; on a small machine a retrain of
 * many seconds would otherwise take the core the co-moment update needs for all that time), and the next
 * starts once the work since its last pause is made up for; and when the stream has been idle
 * for {@code cka.probe.idle-after} with labelled reviews not yet trained on, without waiting. One retrain at
 * a time; the stream never waits for it.
 */
@ApplicationScoped
public class ProbeTrainer {

    private static final Logger LOG = Logger.getLogger(ProbeTrainer.class);

    private final ComparisonStore store;
    private final ScoreBoard board;
    private final int every;
    private final long idleNanos;
    private final long idleMillis;
    private final StreamPace pace;
    private final CkaMetrics metrics;
    /** How long the last retrain took and when it ended, for the pacing while the stream is busy. */
    private volatile long nanosOfLastTrain;
    private volatile long nanosAtLastTrainEnd = System.nanoTime();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "probe-trainer");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean training = new AtomicBoolean();
    private final Map<CheckpointPair, UnconvergedProbes> unconverged = new ConcurrentHashMap<>();
    /** Per pair: the labelled count its probes were last retrained on. */
    private final Map<CheckpointPair, Long> labeledAtLastTrain = new ConcurrentHashMap<>();
    private long labeledAtLastLook = -1;
    private long nanosOfLastChange = System.nanoTime();

    @Inject
    public ProbeTrainer(ComparisonStore store, ScoreBoard board, CkaConfig config, CkaMetrics metrics, StreamPace pace) {
        this.store = store;
        this.board = board;
        this.metrics = metrics;
        this.pace = pace;
        this.every = config.probe().every();
        this.idleNanos = config.probe().idleAfter().toNanos();
        this.idleMillis = config.probe().idleAfter().toMillis();
    }

    /** Called by the listener after each batch. */
    public void counted() {
        long rest = pace.retrainGapNanos(nanosOfLastTrain);
        if (System.nanoTime() - nanosAtLastTrainEnd < rest) {
            return;
        }
        Map<CheckpointPair, Long> labeled = labeled();
        if (labeled.entrySet().stream().anyMatch(e -> e.getValue() - trainedOn(e.getKey()) >= every)) {
            trigger(false);
        }
    }

    private long trainedOn(CheckpointPair pair) {
        return labeledAtLastTrain.getOrDefault(pair, 0L);
    }

    private Map<CheckpointPair, Long> labeled() {
        return store.read(cs -> {
            Map<CheckpointPair, Long> m = new LinkedHashMap<>();
            cs.all().forEach(c -> m.put(c.pair(), c.labeled()));
            return m;
        });
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    synchronized void retrainWhenIdle() {
        Map<CheckpointPair, Long> byPair = labeled();
        long labeled = byPair.values().stream().mapToLong(Long::longValue).sum();
        long now = System.nanoTime();
        if (labeled != labeledAtLastLook) {
            labeledAtLastLook = labeled;
            nanosOfLastChange = now;
        } else if (byPair.entrySet().stream().anyMatch(e -> e.getValue() > trainedOn(e.getKey()))
                && now - nanosOfLastChange >= idleNanos) {
            trigger(true);
            return;
        }
        if (store.takeProbeRefit()) {
            trigger(true);
        }
    }

    /**
     * Retrains on the worker. {@code publish}: publish the new accuracies at once (the stream is idle);
     * otherwise the listener's next emission carries them, so that scoring is not done twice while busy.
     */
    private void trigger(boolean publish) {
        if (!training.compareAndSet(false, true)) {
            return;
        }
        record Due(CheckpointPair pair, LayerProbes probes, long labeled) {
        }
        List<Due> due = store.read(cs -> cs.all().stream().filter(c -> c.probes() != null
                && (publish || c.labeled() > trainedOn(c.pair()))).map(c -> new Due(c.pair(), c.probes(), c.labeled()))
                .toList());
        if (due.isEmpty()) {
            training.set(false);
            return;
        }
        worker.execute(() -> {
            try {
                DutyCycle cycle = new DutyCycle(() -> pace.retrainShare(idleMillis));
                for (Due d : due) {
                    retrain(d.pair(), d.probes(), d.labeled(), cycle);
                }
                // The pauses kept the retrain within its share; the gap before the next makes up for the rest.
                nanosOfLastTrain = cycle.unpacedNanos();
                nanosAtLastTrainEnd = System.nanoTime();
                if (publish) {
                    board.publishIfChanged();
                }
            } finally {
                training.set(false);
            }
        });
    }

    private void retrain(CheckpointPair pair, LayerProbes probes, long labeled, DutyCycle cycle) {
        try {
            long started = System.nanoTime();
            long worked = cycle.workedNanos();
            long paused = cycle.pausedNanos();
            ProbeReport report = probes.retrain(cycle);
            metrics.spent(Work.PROBES, cycle.workedNanos() - worked);
            labeledAtLastTrain.put(pair, labeled);
            LOG.debugf("%s: probes retrained on %d train / %d test reviews in %d ms (%d ms of it paused for the stream)",
                    pair, report.trainCount(), report.testCount(), (System.nanoTime() - started) / 1_000_000,
                    (cycle.pausedNanos() - paused) / 1_000_000);
            String notConverged = unconverged.computeIfAbsent(pair, p -> new UnconvergedProbes())
                    .newlyUnconverged(report, probes.c());
            if (notConverged != null) {
                LOG.warnf("%s: %s", pair, notConverged);
            }
            board.markChanged(pair);
        } catch (RuntimeException e) {
            LOG.errorf(e, "%s: probe retraining failed; the previous accuracies stay", pair);
        }
    }

    @PreDestroy
    void stop() {
        worker.shutdownNow();
    }
}
