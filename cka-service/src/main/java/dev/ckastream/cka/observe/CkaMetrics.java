package dev.ckastream.cka.observe;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.quarkus.runtime.Startup;

/**
 * cka-service meters (Prometheus at {@code /q/metrics}): reviews counted, dead letters by reason, and where the
 * time goes ({@code ckastream_cka_work_seconds{part=...}}, see {@link Work}).
 */
// Created at start-up, so that its counters are scraped (at 0) before the first review.
@Startup
@ApplicationScoped
public class CkaMetrics {

    /** The parts of the service's work that are timed, as the {@code part} tag. */
    public enum Work {
        /** Applying a polled batch (decode, join, co-moment update) and folding buffered reviews before scoring. */
        UPDATE,
        /** The part of {@link #UPDATE} spent waiting for the state lock (held by an emission or a snapshot). */
        WAIT,
        /** The part of {@link #UPDATE} spent folding buffered reviews into the co-moments (GEMM, DSYRK, norms). */
        FOLD,
        /** Computing the scores from the co-moments and writing the score record (without the intervals). */
        SCORES,
        /** Recomputing the CKA intervals from the retained sample. */
        INTERVALS,
        /** Retraining the probes (a thread of its own). */
        PROBES,
        /** Writing a state snapshot (a thread of its own; the stream waits only for its staging). */
        SNAPSHOT;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final Counter counted;
    private final Map<Work, Timer> work = new EnumMap<>(Work.class);
    private final Counter folds;

    /** Every meter of this service (ours, JVM, HTTP, Kafka clients) carries {@code service="cka"}. */
    @Produces
    @Singleton
    static MeterFilter serviceTag() {
        return MeterFilter.commonTags(List.of(Tag.of("service", "cka")));
    }

    @Inject
    public CkaMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.counted = Counter.builder("ckastream.cka.reviews").description("reviews counted (both halves joined)")
                .register(registry);
        this.folds = Counter.builder("ckastream.cka.folds").description("co-moment updates (batches folded in)")
                .register(registry);
        for (Work w : Work.values()) {
            work.put(w, Timer.builder("ckastream.cka.work").description("time spent in one part of the service's work")
                    .tag("part", w.tag()).register(registry));
        }
    }

    public void counted(int reviews) {
        counted.increment(reviews);
    }

    /** Records co-moment folds: {@code count} of them that took {@code nanos} in all. */
    public void folded(long count, long nanos) {
        if (count > 0) {
            folds.increment(count);
            spent(Work.FOLD, nanos);
        }
    }

    /** Records {@code nanos} spent in {@code part}. */
    public void spent(Work part, long nanos) {
        work.get(part).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void deadLetter(String reason) {
        Counter.builder("ckastream.cka.dead.letters").description("activation records sent to activations.dlq")
                .tag("reason", reason).register(registry).increment();
    }

    /** Gauges of one activation topic: its partitions this instance holds, and its partition count (0: missing). */
    public void partitions(String topic, Supplier<Number> held, Supplier<Number> count) {
        Gauge.builder("ckastream.cka.partitions.held", held).description("partitions of the topic this instance holds")
                .tag("topic", topic).register(registry);
        Gauge.builder("ckastream.cka.partitions", count).description("partitions of the topic (0 while it does not exist)")
                .tag("topic", topic).register(registry);
    }

    /** 1 while this instance holds every partition of both activation topics and so publishes scores, else 0. */
    public void publishing(BooleanSupplier publishing) {
        Gauge.builder("ckastream.cka.publishing", () -> publishing.getAsBoolean() ? 1 : 0)
                .description("1 while this instance holds every partition of the pair and publishes its scores")
                .register(registry);
    }
}
