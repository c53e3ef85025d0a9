package dev.ckastream.cka.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.ckastream.cka.config.CkaConfig;
import dev.ckastream.contract.Topics;
import dev.ckastream.cka.math.CrossLayerCoMoments;
import dev.ckastream.cka.math.GemmEngine;
import dev.ckastream.cka.pair.ComparedPairs;
import dev.ckastream.contract.Side;
import dev.ckastream.cka.snapshot.SnapshotFiles;
import dev.ckastream.cka.snapshot.StateCodec;

/**
 * Owns the service's {@link Comparisons}, one {@link Comparison} per configured pair, and serialises access to
 * them: the Kafka listener and the score emitter's flush write, the score emitter, probe trainer and snapshot
 * writer read, each under the same lock (one lock for every pair: one snapshot holds all of them at one set of
 * input offsets); a {@link #read} must not change them. On start it restores the latest good snapshot from
 * {@code cka.state-dir} and checks that every pair's state can fit the heap ({@link StateMemory}).
 */
@ApplicationScoped
public class ComparisonStore {

    private static final Logger LOG = Logger.getLogger(ComparisonStore.class);
    /** Heap the service takes besides the pairs' states (Quarkus, Kafka clients' buffers, a polled batch). */
    static final long BASE_HEAP = 200_000_000L;

    private final ReentrantLock lock = new ReentrantLock();
    /** Whether the last snapshot copied the co-moments (null before the first), to log when that changes. */
    private Boolean copiedLastTime;
    private final java.util.function.LongPredicate roomForCopy;
    /**
     * The last snapshot's copies of each pair's co-moments ("first~second"), reused by the next: kept while the heap
     * has room for them (snapshots are serialised by {@link #snapshot}'s monitor, so no write still reads them).
     */
    private Map<String, CrossLayerCoMoments.State> snapshotCopies = Map.of();
    private final SnapshotFiles snapshots;
    private final Comparisons comparisons;
    /** Why the state may no longer be snapshotted (null while it may); see {@link #holdSnapshots}. */
    private volatile String snapshotsHeld;
    private final AtomicBoolean probeRefit = new AtomicBoolean();

    @Inject
    public ComparisonStore(CkaConfig config, ComparedPairs pairs) {
        this(config, pairs, Runtime.getRuntime().maxMemory());
    }

    ComparisonStore(CkaConfig config, ComparedPairs pairs, long maxHeap) {
        this(config, pairs, maxHeap, ComparisonStore::heapHasRoomFor);
    }

    /** {@code roomForCopy}: whether a snapshot may copy the co-moments (their bytes given) instead of holding the state. */
    ComparisonStore(CkaConfig config, ComparedPairs pairs, long maxHeap, java.util.function.LongPredicate roomForCopy) {
        this.roomForCopy = roomForCopy;
        GemmEngine gemm = GemmEngine.best(config.gemmThreads().orElse(Runtime.getRuntime().availableProcessors()));
        // One bound for every pair's probe vectors together, shared equally: more pairs keep fewer reviews each
        // rather than needing a heap that grows with the number of pairs for the same setting.
        long probeBytesPerPair = config.probe().maxBytes() / pairs.pairs().size();
        List<Comparison.Settings> settings = pairs.pairs().stream().map(p -> new Comparison.Settings(p.first(),
                p.second(), config.join().maxPending(), config.join().maxAge().toMillis(), config.updateBatch(),
                probeBytesPerPair, config.probe().c(), config.intervals().sample(),
                Math.max(config.backlogBatch(), config.updateBatch()))).toList();
        this.snapshots = new SnapshotFiles(Path.of(config.stateDir()).toAbsolutePath(), config.snapshot().keep());
        this.comparisons = new Comparisons(config.snapshot().enabled()
                ? restore(settings, gemm, config.snapshot().dropUnconfiguredPairs())
                : settings.stream().map(s -> new Comparison(s, gemm)).toList());
        LOG.infof("comparing %s: topics %s -> %s; GEMM engine %s; state in %s", pairs.keys(),
                String.join(", ", comparisons.topics()), Topics.SCORES, gemm.implementation(),
                config.snapshot().enabled() ? snapshots.directory() : "memory only (cka.snapshot.enabled=false)");
        checkMemory(config.memory(), maxHeap);
    }

    /**
     * Fails the start (or warns, {@code cka.memory.enforce=false}) when the pairs' states cannot fit the heap at
     * their bounds: a restored pair at its own shape, a new one at {@code cka.memory.layers} × {@code dim}.
     */
    private void checkMemory(CkaConfig.Memory assumed, long maxHeap) {
        long need = BASE_HEAP;
        StringBuilder parts = new StringBuilder();
        for (Comparison c : comparisons.all()) {
            Comparison.StreamSignature a = c.signature(Side.FIRST);
            Comparison.StreamSignature b = c.signature(Side.SECOND);
            boolean known = a != null && b != null;
            StateMemory m = StateMemory.of(known ? a.layers() : assumed.layers(), known ? a.dim() : assumed.dim(),
                    known ? b.layers() : assumed.layers(), known ? b.dim() : assumed.dim(), c.settings());
            need += m.total();
            parts.append(String.format("%n  %s at %s: %s", c.pair(), known ? a.layers() + " × " + a.dim() + " / "
                    + b.layers() + " × " + b.dim() : assumed.layers() + " × " + assumed.dim() + " (assumed,"
                    + " cka.memory.layers/dim)", m.describe()));
        }
        String summary = String.format("state memory: %d pair(s) need up to %,d MB of the heap's %,d MB (-Xmx), with"
                + " %,d MB for the rest of the service:%s", comparisons.all().size(), StateMemory.mb(need),
                StateMemory.mb(maxHeap), StateMemory.mb(BASE_HEAP), parts);
        if (need <= maxHeap) {
            LOG.info(summary);
            return;
        }
        String advice = summary + "\nRaise the heap (-Xmx, or JAVA_OPTS' -XX:MaxRAMPercentage and the container's"
                + " memory), lower cka.probe.max-bytes or cka.join.max-pending, or compare fewer pairs per instance";
        if (assumed.enforce()) {
            throw new IllegalStateException("the configured pairs do not fit the heap: " + advice
                    + " (cka.memory.enforce=false starts anyway)");
        }
        LOG.warn(advice);
    }

    private List<Comparison> restore(List<Comparison.Settings> settings, GemmEngine gemm, boolean dropUnconfigured) {
        long started = System.nanoTime();
        Optional<SnapshotFiles.Loaded<List<Comparison.State>>> loaded;
        try {
            loaded = snapshots.readLatest(StateCodec::readPairs);
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
            return settings.stream().map(s -> new Comparison(s, gemm)).toList();
        }
        for (String skipped : loaded.get().skipped()) {
            LOG.warnf("snapshot %s skipped; using the previous good one", skipped);
        }
        Map<String, Comparison.State> saved = new LinkedHashMap<>();
        loaded.get().state().forEach(st -> saved.put(Topics.scoresKey(st.first(), st.second()), st));
        List<Comparison> restored = new ArrayList<>();
        for (Comparison.Settings s : settings) {
            String key = Topics.scoresKey(s.first(), s.second());
            Comparison.State state = saved.remove(key);
            if (state == null) {
                LOG.infof("pair %s is not in snapshot %s: it starts from scratch, and its topics are read from the"
                        + " beginning (the pairs restored skip what they already have)", key,
                        loaded.get().file().getFileName());
                restored.add(new Comparison(s, gemm));
                continue;
            }
            Comparison.Restored r;
            try {
                r = Comparison.restore(state, s, gemm);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("cannot restore pair " + key + " from " + loaded.get().file() + ": "
                        + e.getMessage() + " (move the directory away to start from scratch)", e);
            }
            if (!r.settingsChange().isEmpty()) {
                LOG.infof("%s: %s", key, r.settingsChange());
                probeRefit.set(true);
            }
            Comparison c = r.comparison();
            LOG.infof("restored %s from %s: %d reviews, %d pending halves, offsets %s", key,
                    loaded.get().file().getFileName(), c.reviews(), c.pending(), c.appliedOffsets());
            restored.add(c);
        }
        if (!saved.isEmpty()) {
            String which = String.format("snapshot %s also holds %s, which %s not configured (cka.pairs: %s)",
                    loaded.get().file(), String.join(", ", saved.keySet()), saved.size() == 1 ? "is" : "are",
                    settings.stream().map(s -> Topics.scoresKey(s.first(), s.second())).toList());
            if (!dropUnconfigured) {
                throw new IllegalStateException(which + ". Configure " + (saved.size() == 1 ? "it" : "them")
                        + " again, or set cka.snapshot.drop-unconfigured-pairs=true to drop " + (saved.size() == 1
                        ? "its state" : "their states") + " (rebuilt only by replaying the activation topics), or"
                        + " move " + snapshots.directory() + " away to start from scratch");
            }
            LOG.warnf("%s: dropped with the next snapshot (cka.snapshot.drop-unconfigured-pairs=true)", which);
        }
        LOG.infof("restored %s in %d ms", loaded.get().file().getFileName(), (System.nanoTime() - started) / 1_000_000);
        return restored;
    }

    /**
     * Writes the whole state atomically. It is captured under the lock, so that it matches its recorded
     * offsets. The co-moments are the only live arrays in it: when the heap has room for a copy of them (with a
     * quarter of the heap to spare), they are copied under the lock and the lock is released before anything is
     * written, so the stream waits for a memory copy (≈ 0.1 s for 300 MB) instead of the serialisation (0.4–2 s
     * under load); otherwise the lock is held until they are serialised (into the page cache). The probes' rows
     * and the retained sample, immutable once captured, are always written after it is released, and so are
     * the fsyncs and the rename. {@link SnapshotFiles.Written#heldNanos()} is the stream's wait.
     */
    public SnapshotFiles.Written snapshot() {
        return snapshot(() -> { });
    }

    /**
     * {@link #snapshot()}, running {@code pacing} between the file's writes once the state is released (never while
     * it is held: a pause there would stop the stream); it may pause to keep the write's share of the CPU.
     */
    public synchronized SnapshotFiles.Written snapshot(Runnable pacing) {
        String held = snapshotsHeld;
        if (held != null) {
            throw new IllegalStateException("snapshots are held since " + held + ": the newest snapshot stays the one"
                    + " from before that batch, so a restart replays it and sends its dead letters again");
        }
        prepareSnapshotCopies();
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
            List<Comparison.State> live = comparisons.states();
            long copyBytes = live.stream().mapToLong(Comparison.State::detachBytes).sum();
            long spareBytes = snapshotCopies.values().stream().mapToLong(CrossLayerCoMoments.State::copyBytes).sum();
            boolean copy = roomForCopy.test(Math.max(0, copyBytes - spareBytes));
            List<Comparison.State> states = live;
            if (copy) {
                // The previous snapshot's copies are written and no longer read (snapshots are serialised): reuse them.
                states = new ArrayList<>();
                Map<String, CrossLayerCoMoments.State> spares = new LinkedHashMap<>();
                for (Comparison.State s : live) {
                    String key = Topics.scoresKey(s.first(), s.second());
                    Comparison.State detached = s.detached(snapshotCopies.get(key));
                    states.add(detached);
                    if (detached.coMoments() != null) {
                        spares.put(key, detached.coMoments());
                    }
                }
                snapshotCopies = spares;
                release.run();
            } else {
                snapshotCopies = Map.of();
            }
            if (copiedLastTime == null || copiedLastTime != copy) {
                copiedLastTime = copy;
                if (copy) {
                    LOG.infof("snapshots copy the co-moments (%,d MB) and write the copy after releasing the state",
                            copyBytes >> 20);
                } else {
                    LOG.warnf("the heap has no room for a copy of the co-moments (%,d MB, with a quarter of the heap"
                            + " to spare): scoring waits while a snapshot serialises them; a larger heap (-Xmx)"
                            + " avoids that", copyBytes >> 20);
                }
            }
            List<Comparison.State> captured = states;
            staged = snapshots.stage(out -> StateCodec.write(out, captured, release), () -> {
                if (lockedAt[1] != 0) {
                    pacing.run();
                }
            });
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
     * Allocates, outside the lock, the copies a pair without one (its first snapshot, or a reshaped state) needs,
     * when the heap has room: the locked section then only copies values into them.
     */
    private void prepareSnapshotCopies() {
        Map<String, CrossLayerCoMoments.State> shapes = read(cs -> {
            Map<String, CrossLayerCoMoments.State> m = new LinkedHashMap<>();
            for (Comparison c : cs.all()) {
                CrossLayerCoMoments.State s = c.coMomentsState();
                if (s != null) {
                    m.put(Topics.scoresKey(c.first(), c.second()), s);
                }
            }
            return m;
        });
        Map<String, CrossLayerCoMoments.State> spares = new LinkedHashMap<>(snapshotCopies);
        shapes.forEach((key, live) -> {
            CrossLayerCoMoments.State spare = spares.get(key);
            if ((spare == null || !spare.sameShape(live)) && roomForCopy.test(live.copyBytes())) {
                // Only the shapes are read here (they are fixed once a pair has co-moments), no values.
                spares.put(key, live.blankLike());
            }
        });
        snapshotCopies = spares;
    }

    /** Whether the heap has room for {@code bytes} more now, with a quarter of the maximum heap to spare. */
    private static boolean heapHasRoomFor(long bytes) {
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        return free - bytes > rt.maxMemory() / 4;
    }

    /**
     * True once after a restore whose probe settings changed: the probes have no report until they are
     * refitted from the restored data, which the caller then does.
     */
    public boolean takeProbeRefit() {
        return probeRefit.getAndSet(false);
    }

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

    /** A read: {@code reader} must not change the comparisons (use {@link #write} for that). */
    public <T> T read(Function<Comparisons, T> reader) {
        lock.lock();
        try {
            return reader.apply(comparisons);
        } finally {
            lock.unlock();
        }
    }

    public <T, E extends Exception> T write(ThrowingFunction<Comparisons, T, E> writer) throws E {
        lock.lock();
        try {
            return writer.apply(comparisons);
        } finally {
            lock.unlock();
        }
    }

    @FunctionalInterface
    public interface ThrowingFunction<A, B, E extends Exception> {
        B apply(A a) throws E;
    }
}
