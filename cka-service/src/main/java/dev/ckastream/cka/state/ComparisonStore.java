package dev.ckastream.cka.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.ckastream.cka.config.CkaConfig;
import dev.ckastream.contract.Topics;
import dev.ckastream.cka.math.GemmEngine;
import dev.ckastream.cka.snapshot.SnapshotFiles;
import dev.ckastream.cka.snapshot.StateCodec;

/**
 * Owns the service's one {@link Comparison} and serialises access to it: the Kafka listener and the score
 * emitter's flush write, the score emitter, probe trainer and snapshot writer read, each under the same
 * lock; a {@link #read} must not change the comparison. On start it restores the
 * latest good snapshot from {@code cka.state-dir}.
 */
@ApplicationScoped
public class ComparisonStore {

    private static final Logger LOG = Logger.getLogger(ComparisonStore.class);

    private final ReentrantLock lock = new ReentrantLock();
    private final SnapshotFiles snapshots;
    private final Comparison comparison;
    /** Why the state may no longer be snapshotted (null while it may); see {@link #holdSnapshots}. */
    private volatile String snapshotsHeld;
    private final AtomicBoolean probeRefit = new AtomicBoolean();

    @Inject
    public ComparisonStore(CkaConfig config) {
        GemmEngine gemm = GemmEngine.best();
        Comparison.Settings settings = new Comparison.Settings(config.first(), config.second(),
                config.join().maxPending(), config.join().maxAge().toMillis(), config.updateBatch(),
                config.probe().maxBytes(), config.probe().c(), config.intervals().sample(),
                Math.max(config.backlogBatch(), config.updateBatch()));
        this.snapshots = new SnapshotFiles(Path.of(config.stateDir()).toAbsolutePath(), config.snapshot().keep());
        this.comparison = config.snapshot().enabled() ? restore(settings, gemm) : new Comparison(settings, gemm);
        LOG.infof("comparing %s (rows) with %s (columns): topics %s, %s -> %s; GEMM engine %s; state in %s",
                config.first(), config.second(), Topics.activations(config.first()),
                Topics.activations(config.second()), Topics.SCORES, gemm.implementation(),
                config.snapshot().enabled() ? snapshots.directory() : "memory only (cka.snapshot.enabled=false)");
    }

    private Comparison restore(Comparison.Settings settings, GemmEngine gemm) {
        long started = System.nanoTime();
        Optional<SnapshotFiles.Loaded<Comparison.Restored>> loaded;
        try {
            loaded = snapshots.readLatest(in -> {
                try {
                    return Comparison.restore(StateCodec.read(in), settings, gemm);
                } catch (IllegalArgumentException e) {
                    throw new IOException(e.getMessage(), e);
                }
            });
        } catch (SnapshotFiles.Unsupported e) {
            throw new IllegalStateException("cannot restore the state from " + snapshots.directory() + ": "
                    + e.getMessage() + ". Move the directory away (or delete it) to start from scratch: the service"
                    + " then re-reads what the activation topics retain from their beginning", e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot restore the state from " + snapshots.directory() + ": "
                    + e.getMessage() + " (move the directory away to start from scratch)", e);
        }
        if (loaded.isEmpty()) {
            LOG.infof("no snapshot in %s: starting from scratch", snapshots.directory());
            return new Comparison(settings, gemm);
        }
        for (String skipped : loaded.get().skipped()) {
            LOG.warnf("snapshot %s skipped; using the previous good one", skipped);
        }
        Comparison c = loaded.get().state().comparison();
        if (!loaded.get().state().settingsChange().isEmpty()) {
            LOG.info(loaded.get().state().settingsChange());
            probeRefit.set(true);
        }
        LOG.infof("restored %s: %d reviews, %d pending halves, offsets %s (%d ms)", loaded.get().file().getFileName(),
                c.reviews(), c.pending(), c.appliedOffsets(), (System.nanoTime() - started) / 1_000_000);
        return c;
    }

    /**
     * Writes the whole state atomically. It is captured under the lock, so that it matches its recorded
     * offsets, and the lock is held until the sections that read live arrays (up to the co-moments) are
     * serialised; the probes' rows and the retained sample, immutable once captured, are written after it is
     * released, and so are the fsyncs and the rename: the stream waits for the co-moments' serialisation
     * (into the page cache), not for the rest or the disk. {@link SnapshotFiles.Written#heldNanos()} is that wait.
     */
    public SnapshotFiles.Written snapshot() {
        String held = snapshotsHeld;
        if (held != null) {
            throw new IllegalStateException("snapshots are held since " + held + ": the newest snapshot stays the one"
                    + " from before that batch, so a restart replays it and sends its dead letters again");
        }
        SnapshotFiles.Staged staged;
        long[] lockedAt = {0, 0}; // when the lock was taken and released
        Runnable release = () -> {
            if (lockedAt[1] == 0) {
                lockedAt[1] = System.nanoTime();
                lock.unlock();
            }
        };
        lock.lock();
        lockedAt[0] = System.nanoTime();
        try {
            Comparison.State state = comparison.state();
            staged = snapshots.stage(out -> StateCodec.write(out, state, release));
        } catch (IOException e) {
            throw new UncheckedIOException("snapshot to " + snapshots.directory() + " failed: " + e.getMessage(), e);
        } finally {
            release.run();
        }
        try {
            SnapshotFiles.Written w = staged.commit();
            return new SnapshotFiles.Written(w.file(), w.bytes(), w.nanos(), lockedAt[1] - lockedAt[0]);
        } catch (IOException e) {
            throw new UncheckedIOException("snapshot to " + snapshots.directory() + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * True once after a restore whose probe settings changed: the probes have no report until they are
     * refitted from the restored data, which the caller then does.
     */
    public boolean takeProbeRefit() {
        return probeRefit.getAndSet(false);
    }

    /** A read: {@code reader} must not change the comparison (use {@link #write} for that). */
    /**
     * Stops all further snapshots for the life of this process. Called when a batch that has taken effect on
     * the state is nacked (its dead letters were not acknowledged in time): a later snapshot would record its
     * offsets, and the dead letters would never be sent again. The channel has failed by then; a restart
     * resumes from the last snapshot before the batch and replays it.
     */
    public void holdSnapshots(String why) {
        if (snapshotsHeld == null) {
            snapshotsHeld = why;
            LOG.errorf("snapshots held: %s; restart the service to replay from the last snapshot", why);
        }
    }

    /** Why snapshots are held, or null. */
    public String snapshotsHeld() {
        return snapshotsHeld;
    }

    public <T> T read(Function<Comparison, T> reader) {
        lock.lock();
        try {
            return reader.apply(comparison);
        } finally {
            lock.unlock();
        }
    }

    public <T, E extends Exception> T write(ThrowingFunction<Comparison, T, E> writer) throws E {
        lock.lock();
        try {
            return writer.apply(comparison);
        } finally {
            lock.unlock();
        }
    }

    @FunctionalInterface
    public interface ThrowingFunction<A, B, E extends Exception> {
        B apply(A a) throws E;
    }
}
