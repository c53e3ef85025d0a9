package dev.ckastream.cka.listener;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

import org.apache.kafka.common.header.Headers;
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
    private final Duration publishTimeout;

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
        this.publishTimeout = config.publishTimeout();
    }

    /** A record that cannot be counted, to be dead-lettered once the batch is applied. */
    private record DeadLetter(String topic, byte[] key, byte[] value, Headers headers, String reason, String error) {
    }

    @Incoming("activations")
    @Blocking
    public CompletionStage<Void> consume(KafkaRecordBatch<byte[], byte[]> batch) {
        long now = System.currentTimeMillis();
        List<DeadLetter> dead = new ArrayList<>();
        // The whole batch is applied under the state lock, each record's offset with its effect, so a
        // snapshot always matches the offsets it records.
        int counted = store.write(c -> {
            int completed = 0;
            for (KafkaRecord<byte[], byte[]> record : batch) {
                int before = dead.size();
                if (apply(c, record, now, dead)) {
                    completed++;
                }
                c.deadLettered(dead.size() - before);
                long offset = record.getMetadata(IncomingKafkaRecordMetadata.class).map(m -> m.getOffset()).orElse(-1L);
                if (offset >= 0) {
                    c.applied(record.getTopic(), record.getPartition(), offset);
                }
            }
            return completed;
        });
        List<CompletableFuture<Void>> sends = new ArrayList<>(dead.size());
        dead.forEach(d -> sends.add(deadLetters.send(d.topic, d.key, d.value, d.headers, d.reason, d.error)));
        if (counted > 0 || !dead.isEmpty()) {
            metrics.counted(counted);
            board.markChanged();
            if (board.reviewsSinceLastEmit() >= emitEvery) {
                board.publishIfChanged();
            }
            trainer.counted(store.read(c -> c.labeled()));
        }
        // A batch whose dead letters the broker did not take in time is nacked, never acked: with
        // failure-strategy=fail its offsets stay uncommitted.
        try {
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
                    .get(publishTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return batch.nack(new TimeoutException("the broker did not acknowledge a batch's " + sends.size()
                    + " dead letters within " + publishTimeout + " (cka.publish-timeout); the batch stays uncommitted"));
        } catch (ExecutionException e) {
            return batch.nack(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return batch.nack(e);
        }
        return batch.ack();
    }

    /** Applies one record; returns true when it completed a review. */
    private boolean apply(Comparison c, KafkaRecord<byte[], byte[]> record, long now, List<DeadLetter> dead) {
        String topic = record.getTopic();
        int side = topic.equals(firstTopic) ? 0 : topic.equals(secondTopic) ? 1 : -1;
        if (side < 0) {
            dead.add(new DeadLetter(topic, record.getKey(), record.getPayload(), record.getHeaders(), "unknown-topic",
                    "unknown-topic: " + topic + " is neither " + firstTopic + " nor " + secondTopic));
            return false;
        }
        try {
            PooledHalf half = ActivationDecoder.decode(side, record.getKey(), record.getPayload(), record.getHeaders());
            Comparison.Result result = c.offer(half, now);
            result.evicted().forEach(e -> dead.add(evicted(c, e)));
            if (result.offer() instanceof ReviewJoin.Refused refused) {
                dead.add(new DeadLetter(topic, record.getKey(), record.getPayload(), record.getHeaders(),
                        refused.reason(), refused.reason() + ": " + refused.detail()));
            }
            return result.offer() instanceof ReviewJoin.Completed;
        } catch (BadActivation e) {
            dead.add(new DeadLetter(topic, record.getKey(), record.getPayload(), record.getHeaders(), e.reason,
                    e.getMessage()));
            return false;
        }
    }

    /** Dead-letters halves that waited too long, then publishes scores if anything changed. */
    @Scheduled(every = "${cka.emit-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void tick() {
        List<DeadLetter> expired = store.write(c -> {
            List<DeadLetter> dead = new ArrayList<>();
            c.expire(System.currentTimeMillis()).forEach(e -> dead.add(evicted(c, e)));
            c.deadLettered(dead.size());
            return dead;
        });
        if (!expired.isEmpty()) {
            expired.forEach(d -> deadLetters.send(d.topic, d.key, d.value, d.headers, d.reason, d.error));
            board.markChanged();
        }
        board.publishIfChanged();
    }

    private static DeadLetter evicted(Comparison c, ReviewJoin.Evicted e) {
        PooledHalf h = e.half();
        return new DeadLetter(ActivationTopics.activations(c.name(h.side())), h.keyBytes(), h.valueBytes(), h.headers(),
                e.reason(), e.reason() + ": " + e.detail());
    }
}
