package dev.ckastream.cka.score;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.ckastream.cka.config.CkaConfig;
import dev.ckastream.cka.observe.CkaMetrics;
import dev.ckastream.cka.observe.CkaMetrics.Work;
import dev.ckastream.cka.probe.LayerProbes;
import dev.ckastream.cka.probe.ProbeReport;
import dev.ckastream.cka.probe.UnconvergedProbes;
import dev.ckastream.cka.state.ComparisonStore;
import io.quarkus.scheduler.Scheduled;

/**
 * Retrains the probes (warm start) on a background thread of its own: after every {@code cka.probe.every}
 * new labelled reviews, but no more than {@code cka.probe.max-share} of one core while the stream is busy
 * ({@code cka.backlog.probe-share} while the service is behind, see {@link StreamPace})
 * (after a retrain that took t, the next waits until t × (1/share − 1) has passed: on a small machine a
 * back-to-back retrain would take the core the co-moment update needs), and when the stream has been idle
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
    private final UnconvergedProbes unconverged = new UnconvergedProbes();
    private volatile long labeledAtLastTrain;
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
    }

    /** Called by the listener after each batch with the labelled count. */
    public void counted(long labeled) {
        long rest = pace.retrainGapNanos(nanosOfLastTrain);
        if (labeled - labeledAtLastTrain >= every && System.nanoTime() - nanosAtLastTrainEnd >= rest) {
            trigger(false);
        }
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    synchronized void retrainWhenIdle() {
        long labeled = store.read(c -> c.labeled());
        long now = System.nanoTime();
        if (labeled != labeledAtLastLook) {
            labeledAtLastLook = labeled;
            nanosOfLastChange = now;
        } else if (labeled > labeledAtLastTrain && now - nanosOfLastChange >= idleNanos) {
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
        LayerProbes probes = store.read(c -> c.probes());
        if (probes == null || !training.compareAndSet(false, true)) {
            return;
        }
        long labeled = store.read(c -> c.labeled());
        worker.execute(() -> {
            try {
                long started = System.nanoTime();
                ProbeReport report = probes.retrain();
                long ended = System.nanoTime();
                nanosOfLastTrain = ended - started;
                nanosAtLastTrainEnd = ended;
                metrics.spent(Work.PROBES, ended - started);
                labeledAtLastTrain = labeled;
                LOG.debugf("probes retrained on %d train / %d test reviews in %d ms", report.trainCount(),
                        report.testCount(), (System.nanoTime() - started) / 1_000_000);
                String notConverged = unconverged.newlyUnconverged(report, probes.c());
                if (notConverged != null) {
                    LOG.warn(notConverged);
                }
                board.markChanged();
                if (publish) {
                    board.publishIfChanged();
                }
            } catch (RuntimeException e) {
                LOG.errorf(e, "probe retraining failed; the previous accuracies stay");
            } finally {
                training.set(false);
            }
        });
    }

    @PreDestroy
    void stop() {
        worker.shutdownNow();
    }
}
