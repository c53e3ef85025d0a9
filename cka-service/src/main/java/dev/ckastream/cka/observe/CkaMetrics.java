package dev.ckastream.cka.observe;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import io.quarkus.runtime.Startup;

/** cka-service meters (Prometheus at {@code /q/metrics}): reviews counted, dead letters by reason. */
// Created at start-up, so that its counters are scraped (at 0) before the first review.
@Startup
@ApplicationScoped
public class CkaMetrics {

    private final MeterRegistry registry;
    private final Counter counted;

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
    }

    public void counted(int reviews) {
        counted.increment(reviews);
    }

    public void deadLetter(String reason) {
        Counter.builder("ckastream.cka.dead.letters").description("activation records sent to activations.dlq")
                .tag("reason", reason).register(registry).increment();
    }
}
