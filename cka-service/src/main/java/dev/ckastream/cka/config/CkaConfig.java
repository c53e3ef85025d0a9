package dev.ckastream.cka.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Every setting of cka-service, in one place (README, "Configuration"). Environment names follow
 * MicroProfile rules: {@code cka.emit-every} is {@code CKA_EMIT_EVERY}.
 */
@ConfigMapping(prefix = "cka")
public interface CkaConfig {

    /**
     * The checkpoints, in order (a base model, then later training checkpoints): checkpoint {@code x} is read from
     * topic {@code activations.x}. Without it, {@code first} and {@code second}.
     */
    Optional<List<String>> checkpoints();

    /**
     * Which pairs to compare: {@code first-vs-each} (the first checkpoint against each later one),
     * {@code consecutive}, or a list {@code a~b,a~c} ({@link dev.ckastream.cka.pair.ComparedPairs}).
     */
    @WithDefault("first-vs-each")
    String pairs();

    /** Name of the first checkpoint (rows of the CKA matrix) when {@code checkpoints} is not set. */
    @WithDefault("pretrained")
    String first();

    /** Name of the second checkpoint (columns) when {@code checkpoints} is not set. */
    @WithDefault("finetuned")
    String second();

    /** Emit scores after this many newly counted reviews... */
    @WithDefault("25")
    int emitEvery();

    /** ...or after this long when something changed. */
    @WithDefault("1s")
    Duration emitInterval();

    /**
     * Most share of the consumer's time that score emissions take while reviews stream: after an emission that
     * took t, the next one after {@code emit-every} reviews waits until t × (1/share − 1) has passed (at most
     * {@code emit-interval}). 1 emits after every {@code emit-every} reviews, as often as polls allow.
     */
    @WithDefault("0.25")
    double emitMaxShare();

    /**
     * {@code emit-max-share} while the consumer is caught up: its last poll brought every record that was waiting
     * (fewer than {@code max.poll.records}) and the newest was written less than a quarter of
     * {@code backlog.after} before it. The consumer would otherwise wait for the next records, so emissions may
     * take more of its time and come sooner; as soon as records queue up, {@code emit-max-share} applies again.
     */
    @WithDefault("0.5")
    double emitIdleShare();

    /** Where the crash-safe state snapshots live (a volume in compose). */
    @WithDefault("cka-state")
    String stateDir();

    /**
     * Longest wait for the broker to acknowledge a polled batch's dead letters. When it expires the batch is not
     * acknowledged: its offsets are not committed, the channel fails (health DOWN) and the batch is read again
     * after a restart. As long as the producers' {@code delivery.timeout.ms} (2 min), so that their own retries
     * ride out a shorter broker outage.
     */
    @WithDefault("2m")
    Duration publishTimeout();

    /**
     * Longest wait for each admin call that creates or checks {@code cka.scores} at start-up (then logged, not fatal),
     * and for each activation topic's partition count at a rebalance.
     */
    @WithDefault("15s")
    Duration adminTimeout();

    Snapshot snapshot();

    Memory memory();

    Join join();

    Probe probe();

    Status status();

    Intervals intervals();

    Backlog backlog();

    /**
     * Threads that run a co-moment update's BLAS calls side by side, each call single-threaded (OpenBLAS is set to
     * one thread for the process); absent: the cores the JVM sees. 1 runs the calls in turn, each with the BLAS
     * library's own threads.
     */
    java.util.OptionalInt gemmThreads();

    /**
     * The classes HotSpot's optimising compiler (C2) compiles, as class patterns ({@code dev/ckastream/*}, a
     * {@code *} at either end); every other class's hot code stays with the quick compiler (C1, full optimisation,
     * no profiling). {@code *} leaves the JVM's own policy (C2 for everything). See
     * {@link dev.ckastream.cka.runtime.JitDirectives}.
     */
    @WithDefault("dev/ckastream/*,java/*,jdk/internal/misc/*,jdk/internal/util/*")
    List<String> c2Classes();

    /** Reviews buffered before one batched co-moment update (a GEMM per block row). */
    @WithDefault("64")
    int updateBatch();

    /**
     * Most reviews of one polled batch folded into the co-moments in one update when a backlog is waiting
     * (BLAS runs wider batches faster per review; only float64 rounding depends on the batching). The batch
     * buffer grows to at most this plus {@code update-batch} reviews: (both checkpoints' layers × dim) × 8 bytes
     * each, 49 MB at 7 × 768 against 7 × 768.
     */
    @WithDefault("512")
    int backlogBatch();

    /**
     * How the service behaves while it is behind: a polled batch counts as behind when its newest record was
     * written (its Kafka timestamp) more than {@code after} before the poll, e.g. while a topic is replayed
     * or the producers outrun it. Then latency is the queue's, not the cadence's, and emissions and probe
     * retraining take a smaller share of the time, which goes to the co-moment updates instead.
     */
    interface Backlog {
        /** Age of a poll's newest record from which the service counts as behind. */
        @WithDefault("1s")
        Duration after();

        /**
         * No batch for this long after one that was behind: the backlog is drained, and the scores of everything
         * it brought go out at once (at most {@code after}). A gap this long between two batches of one backlog
         * costs one emission more, paced as when caught up.
         */
        @WithDefault("100ms")
        Duration drainedAfter();

        /**
         * Most share of the consumer's time in score emissions while behind: after one that took t, the next
         * waits t × (1/share − 1), at least {@code cka.emit-interval} and at most {@code max-gap}.
         */
        @WithDefault("0.05")
        double emitShare();

        /** Longest time between two emissions while behind. */
        @WithDefault("10s")
        Duration maxGap();

        /** Most share of one core that probe retraining takes while behind (as {@code cka.probe.max-share}). */
        @WithDefault("0.1")
        double probeShare();
    }

    /**
     * The start-up memory check: every pair's state (co-moments, probe sample bound, interval sample, batch buffer,
     * waiting halves) must fit the heap. The checkpoints' shapes are only known from their first records, so the
     * check assumes this shape for every checkpoint; the state of a restored snapshot has its own.
     */
    interface Memory {
        /** Layers (taps) per checkpoint assumed by the check (DistilBERT: 7). */
        @WithDefault("7")
        int layers();

        /** Hidden size per checkpoint assumed by the check (DistilBERT: 768). */
        @WithDefault("768")
        int dim();

        /** Whether a state that does not fit the heap stops the start (otherwise a warning). */
        @WithDefault("true")
        boolean enforce();
    }

    interface Snapshot {
        /** Write snapshots at all (every interval and on shutdown); restore the latest on start. */
        @WithDefault("true")
        boolean enabled();

        /** How often the whole state is written (also on shutdown). */
        @WithDefault("30s")
        Duration interval();

        /**
         * Most share of one core a periodic snapshot's write takes while reviews stream, once the state is released:
         * it pauses after every 20 ms of work (serialising, checksumming, handing pages to the file) for as long as
         * the share asks, so that it does not take a core from the co-moment update for seconds. 1 writes at full
         * speed; the shutdown snapshot always does.
         */
        @WithDefault("0.25")
        double maxShare();

        /** How many snapshot files to keep (the newest; an older one is used when the newest is corrupt). */
        @WithDefault("2")
        int keep();

        /**
         * Whether a restored snapshot's pairs that are no longer configured ({@code cka.pairs}) are dropped (their
         * state is lost with the next snapshot). Off, such a snapshot stops the start: a misspelt checkpoint name
         * must not throw away a pair's state.
         */
        @WithDefault("false")
        boolean dropUnconfiguredPairs();
    }

    interface Join {
        /** Most reviews waiting for their other half; the oldest beyond this are dead-lettered. */
        @WithDefault("10000")
        int maxPending();

        /** A half waiting longer than this is dead-lettered. */
        @WithDefault("10m")
        Duration maxAge();
    }

    interface Probe {
        /** Retrain the probes after this many new labelled reviews (and whenever the stream goes idle). */
        @WithDefault("200")
        int every();

        /**
         * Most share of one core that retraining takes while labelled reviews stream: a retrain pauses after every
         * 20 ms of work for work × (1/share − 1), and the next one after {@code every} reviews waits until the work
         * since its last pause is made up for. The retrain when the stream goes idle never waits. 1 retrains at full
         * speed, back to back.
         */
        @WithDefault("0.25")
        double maxShare();

        /** Idle time after which probes are retrained on what has arrived. */
        @WithDefault("2s")
        Duration idleAfter();

        /** Inverse regularisation strength, as scikit-learn's LogisticRegression(C). */
        @WithDefault("1.0")
        double c();

        /**
         * Memory bound for the probes' labelled pooled vectors (float32), shared equally by the pairs (each keeps
         * {@code max-bytes / pairs}); beyond it, reservoir sampling.
         */
        @WithDefault("1073741824")
        long maxBytes();
    }

    interface Intervals {
        /** Confidence level of every interval in the scores (CKA diagonal, probe accuracies, probe change). */
        @WithDefault("0.95")
        double level();

        /**
         * Reviews retained (those with the smallest id hashes, so the same whatever the order) to estimate the
         * CKA intervals' variances from; memory is this × (both checkpoints' layers × dim) × 4 bytes.
         */
        @WithDefault("256")
        int sample();

        /**
         * Recompute the CKA interval variances at most this often while reviews stream; between, each
         * half-width is scaled by sqrt(n then / n now). An emission after the stream goes idle is always exact.
         */
        @WithDefault("1s")
        Duration every();
    }

    interface Status {
        /** Debiased diagonal CKA interval's lower bound at or above this: {@code untouched}. */
        @WithDefault("0.99")
        double untouched();

        /**
         * Interval's upper bound below this: {@code rewritten}; interval between this and untouched:
         * {@code refined}; an interval across either threshold: {@code settling}.
         */
        @WithDefault("0.85")
        double refined();
    }
}
