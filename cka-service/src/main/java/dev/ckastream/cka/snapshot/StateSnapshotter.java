package dev.ckastream.cka.snapshot;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import dev.ckastream.cka.config.CkaConfig;
import dev.ckastream.cka.observe.CkaMetrics;
import dev.ckastream.cka.score.DutyCycle;
import dev.ckastream.cka.score.StreamPace;
import dev.ckastream.cka.state.ComparisonStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;

/**
 * Writes the state snapshot every {@code cka.snapshot.interval} and on shutdown, and reports its size and
 * write time (log, {@code ckastream_cka_snapshot_*} gauges, readiness data).
 */
@Singleton
public class StateSnapshotter {

    private static final Logger LOG = Logger.getLogger(StateSnapshotter.class);

    private final ComparisonStore store;
    private final CkaMetrics metrics;
    private final StreamPace pace;
    private final double maxShare;
    private final boolean enabled;
    private final AtomicLong lastBytes = new AtomicLong();
    private final AtomicLong lastMillis = new AtomicLong();
    private final AtomicLong lastHeldMillis = new AtomicLong();
    private final AtomicReference<String> lastFailure = new AtomicReference<>();
    private long reviewsAtLastSnapshot = -1;

    @Inject
    public StateSnapshotter(ComparisonStore store, CkaConfig config, MeterRegistry registry, CkaMetrics metrics,
            StreamPace pace) {
        this.store = store;
        this.pace = pace;
        this.maxShare = config.snapshot().maxShare();
        if (!(maxShare > 0 && maxShare <= 1)) {
            throw new IllegalArgumentException("cka.snapshot.max-share must be in (0, 1], not " + maxShare);
        }
        this.metrics = metrics;
        this.enabled = config.snapshot().enabled();
        Gauge.builder("ckastream.cka.snapshot.bytes", lastBytes, AtomicLong::get).description("size of the last snapshot")
                .register(registry);
        Gauge.builder("ckastream.cka.snapshot.write.millis", lastMillis, AtomicLong::get)
                .description("time to write the last snapshot").register(registry);
        Gauge.builder("ckastream.cka.snapshot.held.millis", lastHeldMillis, AtomicLong::get)
                .description("part of the last snapshot's write time during which the state was held still")
                .register(registry);
    }

    @Scheduled(every = "${cka.snapshot.interval}", delayed = "${cka.snapshot.interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void periodic() {
        long reviews = store.read(c -> c.reviews() + c.pending() + c.deadLetters());
        if (enabled && reviews != reviewsAtLastSnapshot) {
            write("periodic");
            reviewsAtLastSnapshot = reviews;
        }
    }

    void onShutdown(@Observes @Priority(1) ShutdownEvent event) {
        if (enabled) {
            write("shutdown");
        }
    }

    synchronized void write(String why) {
        try {
            // A periodic write keeps its share while reviews stream; the shutdown snapshot goes at full speed.
            DutyCycle cycle = new DutyCycle(() -> why.equals("periodic") && pace.streaming() ? maxShare : 1);
            SnapshotFiles.Written w = store.snapshot(cycle::stepDone);
            metrics.spent(CkaMetrics.Work.SNAPSHOT, w.nanos() - cycle.pausedNanos());
            lastBytes.set(w.bytes());
            lastMillis.set(w.nanos() / 1_000_000);
            lastHeldMillis.set(w.heldNanos() / 1_000_000);
            lastFailure.set(null);
            LOG.infof("%s snapshot %s: %.1f MB in %d ms (state held for %d ms of it, %d ms paused for the stream)", why,
                    w.file().getFileName(), w.bytes() / 1e6, w.nanos() / 1_000_000, w.heldNanos() / 1_000_000,
                    cycle.pausedNanos() / 1_000_000);
        } catch (RuntimeException e) {
            lastFailure.set(e.getMessage());
            LOG.errorf("%s snapshot failed: %s (the previous snapshot stays; check cka.state-dir)", why, e.getMessage());
        }
    }

    /** The last write's outcome, for readiness data: size, time, or the failure. */
    public String lastWrite() {
        String failure = lastFailure.get();
        return failure != null ? "failed: " + failure
                : lastBytes.get() == 0 ? "none yet" : lastBytes.get() + " bytes in " + lastMillis.get() + " ms";
    }
}
