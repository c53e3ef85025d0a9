package dev.ckastream.cka.listener;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.ckastream.cka.config.CkaConfig;
import dev.ckastream.cka.contract.ActivationDecoder;
import dev.ckastream.cka.contract.ActivationTopics;
import dev.ckastream.cka.contract.BadActivation;
import dev.ckastream.cka.contract.PooledHalf;
import dev.ckastream.cka.join.ReviewJoin;
import dev.ckastream.cka.observe.CkaMetrics;
import dev.ckastream.cka.score.ProbeTrainer;
import dev.ckastream.cka.score.ScoreBoard;
import dev.ckastream.cka.state.Comparison;
import dev.ckastream.cka.state.ComparisonStore;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;

import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Kafka in: both checkpoints' activation topics on one channel, one polled batch at a time on a worker
 * thread. Each record is validated, joined with its other half, and counted once; what cannot be counted
 * goes to {@code activations.dlq}. Scores go out after every {@code cka.emit-every} newly counted reviews
 * (at most once per polled batch) and, when something changed, every {@code cka.emit-interval}.
 */
@ApplicationScoped
public class ActivationListener {

    private final ComparisonStore store;
    private final ActivationDeadLetters deadLetters;
    private final ScoreBoard board;
    private final ProbeTrainer trainer;
    private final CkaMetrics metrics;
    private final String firstTopic;
    private final String secondTopic;
    private final int emitEvery;

    @Inject
    public ActivationListener(CkaConfig config, ComparisonStore store, ActivationDeadLetters deadLetters,
            ScoreBoard board, ProbeTrainer trainer, CkaMetrics metrics) {
        this.store = store;
        this.deadLetters = deadLetters;
        this.board = board;
        this.trainer = trainer;
        this.metrics = metrics;
        this.firstTopic = ActivationTopics.activations(config.first());
        this.secondTopic = ActivationTopics.activations(config.second());
        this.emitEvery = config.emitEvery();
    }

    @Incoming("activations")
    @Blocking
    public CompletionStage<Void> consume(KafkaRecordBatch<byte[], byte[]> batch) {
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        long now = System.currentTimeMillis();
        int counted = 0;
        for (KafkaRecord<byte[], byte[]> record : batch) {
            int side = record.getTopic().equals(firstTopic) ? 0 : record.getTopic().equals(secondTopic) ? 1 : -1;
            if (side < 0) {
                sends.add(deadLetters.send(record.getTopic(), record.getKey(), record.getPayload(), record.getHeaders(),
                        "unknown-topic", "topic " + record.getTopic() + " is neither " + firstTopic + " nor " + secondTopic));
                continue;
            }
            try {
                PooledHalf half = ActivationDecoder.decode(side, record.getKey(), record.getPayload(), record.getHeaders());
                Comparison.Result result = store.write(c -> c.offer(half, now));
                if (result.offer() instanceof ReviewJoin.Completed) {
                    counted++;
                } else if (result.offer() instanceof ReviewJoin.Refused refused) {
                    sends.add(deadLetters.send(record.getTopic(), record.getKey(), record.getPayload(),
                            record.getHeaders(), refused.reason(), refused.reason() + ": " + refused.detail()));
                }
                result.evicted().forEach(e -> sends.add(evicted(e)));
            } catch (BadActivation e) {
                sends.add(deadLetters.send(record.getTopic(), record.getKey(), record.getPayload(), record.getHeaders(),
                        e.reason, e.getMessage()));
            }
        }
        if (counted > 0 || !sends.isEmpty()) {
            metrics.counted(counted);
            board.markChanged();
            if (board.reviewsSinceLastEmit() >= emitEvery) {
                board.publishIfChanged();
            }
            trainer.counted(store.read(c -> c.labeled()));
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
        return batch.ack();
    }

    /** Dead-letters halves that waited too long, then publishes scores if anything changed. */
    @Scheduled(every = "${cka.emit-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void tick() {
        List<ReviewJoin.Evicted> expired = store.read(c -> c.expire(System.currentTimeMillis()));
        if (!expired.isEmpty()) {
            expired.forEach(this::evicted);
            board.markChanged();
        }
        board.publishIfChanged();
    }

    private CompletableFuture<Void> evicted(ReviewJoin.Evicted e) {
        PooledHalf h = e.half();
        return deadLetters.send(ActivationTopics.activations(store.read(c -> c.name(h.side()))), h.keyBytes(),
                h.valueBytes(), h.headers(), e.reason(), e.reason() + ": " + e.detail());
    }
}
