package dev.ckastream.cka.state;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.ckastream.cka.config.CkaConfig;
import dev.ckastream.cka.contract.ActivationTopics;
import dev.ckastream.cka.math.GemmEngine;

/**
 * Owns the service's one {@link Comparison} and serialises access to it: the Kafka listener writes, the
 * score emitter and probe trainer read, each under the same lock.
 */
@ApplicationScoped
public class ComparisonStore {

    private static final Logger LOG = Logger.getLogger(ComparisonStore.class);

    private final ReentrantLock lock = new ReentrantLock();
    private final Comparison comparison;

    @Inject
    public ComparisonStore(CkaConfig config) {
        GemmEngine gemm = GemmEngine.best();
        this.comparison = new Comparison(config.first(), config.second(), config.join().maxPending(),
                config.join().maxAge().toMillis(), gemm, config.updateBatch(), config.probe().maxBytes(), config.probe().c());
        LOG.infof("comparing %s (rows) with %s (columns): topics %s, %s -> %s; GEMM engine %s",
                config.first(), config.second(), ActivationTopics.activations(config.first()),
                ActivationTopics.activations(config.second()), ActivationTopics.SCORES, gemm.implementation());
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
