package dev.ckastream.extractor.observe;

import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import io.quarkus.runtime.Startup;
import io.micrometer.core.instrument.Timer;

/**
 * The extractor's meters (Prometheus names at {@code /q/metrics}): reviews and tokens processed
 * ({@code rate()} gives reviews/s and tokens/s), inference batch sizes, inference time per checkpoint,
 * dead letters by reason.
 */
// Created at start-up, so that its counters are scraped (at 0) before the first review.
@Startup
@ApplicationScoped
public class ExtractorMetrics {

    private final MeterRegistry registry;
    private final Counter reviews;

    /** Every meter of this service (ours, JVM, HTTP, Kafka clients) carries {@code service="extractor"}. */
    @Produces
    @Singleton
    static MeterFilter serviceTag() {
        return MeterFilter.commonTags(List.of(Tag.of("service", "extractor")));
    }

    @Inject
    public ExtractorMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.reviews = Counter.builder("ckastream.extractor.reviews").description("reviews published for every checkpoint")
                .register(registry);
    }

    public void published(int count) {
        reviews.increment(count);
    }

    public void inference(String checkpoint, int batchSize, int tokens, long nanos) {
        Timer.builder("ckastream.extractor.inference").description("ONNX Runtime time per micro-batch")
                .tag("checkpoint", checkpoint).register(registry).record(nanos, TimeUnit.NANOSECONDS);
        DistributionSummary.builder("ckastream.extractor.batch.size").description("reviews per inference micro-batch")
                .tag("checkpoint", checkpoint).register(registry).record(batchSize);
        Counter.builder("ckastream.extractor.tokens").description("tokens run through the model")
                .tag("checkpoint", checkpoint).register(registry).increment(tokens);
    }

    public void deadLetter(String reason) {
        Counter.builder("ckastream.extractor.dead.letters").description("reviews sent to reviews.dlq")
                .tag("reason", reason).register(registry).increment();
    }
}
