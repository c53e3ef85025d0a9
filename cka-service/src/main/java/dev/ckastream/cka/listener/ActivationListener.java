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
import dev.ckastream.cka.join.PooledHalf;
import dev.ckastream.cka.join.ReviewJoin;
import dev.ckastream.cka.observe.CkaMetrics;
import dev.ckastream.cka.observe.CkaMetrics.Work;
import dev.ckastream.cka.score.ProbeTrainer;
import dev.ckastream.cka.score.ScoreBoard;
import dev.ckastream.cka.score.StreamPace;
import dev.ckastream.cka.state.Comparison;
import dev.ckastream.cka.state.ComparisonStore;
import dev.ckastream.contract.ActivationRecord;
import dev.ckastream.contract.ActivationRejection;
import dev.ckastream.contract.InvalidActivation;
import dev.ckastream.contract.Side;
import dev.ckastream.contract.Topics;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Kafka in: both checkpoints' activation topics on one channel, one polled batch at a time on a worker
 * thread. Each record is validated, joined with its other half, and counted once; what cannot be counted
 * goes to {@code activations.dlq}. The reviews a batch completes are folded into the co-moments together
 * (up to {@code cka.backlog-batch}). Scores go out after every {@code cka.emit-every} newly counted reviews
 * (at most once per polled batch, and spaced to {@code cka.emit-max-share} of the time) and, when something
 * changed, every {@code cka.emit-interval}; while the service is behind ({@link StreamPace}), less often.
 */
@ApplicationScoped
public class ActivationListener {

    private final ComparisonStore store;
    private final ActivationDeadLetters deadLetters;
    private final ScoreBoard board;
    private final ProbeTrainer trainer;
    private final CkaMetrics metrics;
    private final StreamPace pace;
    private final PairPartitions partitions;
    private final String firstTopic;
    private final String secondTopic;
    private final int emitEvery;
    private final Duration publishTimeout;
    private final long emitIntervalNanos;

    @Inject
    public ActivationListener(CkaConfig config, ComparisonStore store, ActivationDeadLetters deadLetters,
            ScoreBoard board, ProbeTrainer trainer, CkaMetrics metrics, StreamPace pace, PairPartitions partitions) {
        this.partitions = partitions;
        this.store = store;
        this.deadLetters = deadLetters;
        this.board = board;
        this.trainer = trainer;
        this.metrics = metrics;
        this.pace = pace;
        this.firstTopic = Topics.activations(config.first());
        this.secondTopic = Topics.activations(config.second());
        this.emitEvery = config.emitEvery();
        this.publishTimeout = config.publishTimeout();
        this.emitIntervalNanos = config.emitInterval().toNanos();
    }

    /** A record that cannot be counted, to be dead-lettered once the batch is applied. */
    private record DeadLetter(String topic, byte[] key, byte[] value, Headers headers, ActivationRejection reason,
            String detail) {
    }

    @Incoming("activations")
    @Blocking
    public CompletionStage<Void> consume(KafkaRecordBatch<byte[], byte[]> batch) {
        long now = System.currentTimeMillis();
        long started = System.nanoTime();
        long newest = Long.MIN_VALUE;
        for (KafkaRecord<byte[], byte[]> record : batch) {
            if (record.getTimestamp() != null) {
                newest = Math.max(newest, record.getTimestamp().toEpochMilli());
            }
        }
        if (newest != Long.MIN_VALUE) {
            pace.polled(newest, now);
        }
        List<DeadLetter> dead = new ArrayList<>();
        // The whole batch is applied under the state lock, each record's offset with its effect, so a
        // snapshot always matches the offsets it records (and never sees the backlog's wider buffer).
        long[] folds = new long[2];
        long[] locked = new long[1];
        int counted = store.write(c -> {
            locked[0] = System.nanoTime();
            int completed = 0;
            folds[0] = c.folds();
            folds[1] = c.foldNanos();
            c.beginBacklog(batch.getRecords().size());
            try {
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
            } finally {
                c.endBacklog();
                folds[0] = c.folds() - folds[0];
                folds[1] = c.foldNanos() - folds[1];
            }
            return completed;
        });
        pace.applied(System.currentTimeMillis());
        metrics.spent(Work.WAIT, locked[0] - started);
        metrics.folded(folds[0], folds[1]);
        metrics.spent(Work.UPDATE, System.nanoTime() - started);
        List<CompletableFuture<Void>> sends = new ArrayList<>(dead.size());
        dead.forEach(d -> sends.add(deadLetters.send(d.topic, d.key, d.value, d.headers, d.reason, d.detail)));
        if (counted > 0 || !dead.isEmpty()) {
            metrics.counted(counted);
            board.markChanged();
            if (board.reviewsSinceLastEmit() >= emitEvery && board.emissionDue()) {
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
            String why = "the broker did not acknowledge a batch's " + sends.size() + " dead letters within "
                    + publishTimeout + " (cka.publish-timeout); the batch stays uncommitted";
            store.holdSnapshots(why);
            return batch.nack(new TimeoutException(why));
        } catch (ExecutionException e) {
            store.holdSnapshots("a dead letter failed: " + e.getCause());
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
        Side side = topic.equals(firstTopic) ? Side.FIRST : topic.equals(secondTopic) ? Side.SECOND : null;
        if (side == null) {
            dead.add(new DeadLetter(topic, record.getKey(), record.getPayload(), record.getHeaders(),
                    ActivationRejection.UNKNOWN_TOPIC, topic + " is neither " + firstTopic + " nor " + secondTopic));
            return false;
        }
        try {
            PooledHalf half = PooledHalf.decode(side, record.getKey(), record.getPayload(), record.getHeaders());
            Comparison.Result result = c.offer(half, now);
            result.evicted().forEach(e -> dead.add(evicted(c, e)));
            if (result.offer() instanceof ReviewJoin.Refused refused) {
                dead.add(new DeadLetter(topic, record.getKey(), record.getPayload(), record.getHeaders(),
                        refused.reason(), refused.detail()));
            }
            return result.offer() instanceof ReviewJoin.Completed;
        } catch (InvalidActivation e) {
            dead.add(new DeadLetter(topic, record.getKey(), record.getPayload(), record.getHeaders(), e.reason(),
                    e.detail()));
            return false;
        }
    }

    /**
     * Dead-letters halves that waited too long, then publishes scores if anything changed, unless reviews are
     * streaming and the last emission (the listener's) is less than half an interval old: the listener's own
     * emissions carry them, paced to {@code cka.emit-max-share}, and a timer emission on top would take the
     * state lock from the update. While the service is behind, the timer too waits until an emission is due.
     */
    @Scheduled(every = "${cka.emit-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void tick() {
        List<DeadLetter> expired = store.write(c -> {
            List<DeadLetter> dead = new ArrayList<>();
            // A partial holder's waiting halves may have their other half on another instance's partitions.
            (partitions.holdsAll() ? c.expire(System.currentTimeMillis()) : List.<ReviewJoin.Evicted>of())
                    .forEach(e -> dead.add(evicted(c, e)));
            c.deadLettered(dead.size());
            return dead;
        });
        if (!expired.isEmpty()) {
            expired.forEach(d -> deadLetters.send(d.topic, d.key, d.value, d.headers, d.reason, d.detail));
            board.markChanged();
        }
        if (board.reviewsSinceLastEmit() > 0 && (pace.behind() ? !board.emissionDue()
                : board.nanosSinceLastEmission() < emitIntervalNanos / 2)) {
            return;
        }
        board.publishIfChanged();
    }

    private static DeadLetter evicted(Comparison c, ReviewJoin.Evicted e) {
        ActivationRecord r = e.half().record();
        return new DeadLetter(Topics.activations(c.name(e.half().side())), r.key(), r.value(),
                new RecordHeaders(r.headers()), e.reason(), e.detail());
    }
}
