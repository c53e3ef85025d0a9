package dev.ckastream.cka.listener;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
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
import dev.ckastream.cka.state.Comparisons;
import dev.ckastream.cka.pair.CheckpointPair;
import dev.ckastream.contract.ActivationRecord;
import dev.ckastream.contract.ActivationRejection;
import dev.ckastream.contract.InvalidActivation;
import dev.ckastream.contract.Topics;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Kafka in: every activation topic the pairs read, on one channel, one polled batch at a time on a worker
 * thread. Each record is validated once, then joined with its other half and counted once in every pair that reads
 * its topic; what cannot be counted goes to {@code activations.dlq}. The reviews a batch completes are folded into the co-moments together
 * (up to {@code cka.backlog-batch}). Scores go out after every {@code cka.emit-every} newly counted reviews
 * (at most once per polled batch, and spaced to {@code cka.emit-max-share} of the time) and, when something
 * changed, every {@code cka.emit-interval}; while the service is behind ({@link StreamPace}), less often, and as
 * soon as a backlog has drained ({@code cka.backlog.drained-after} without a batch), at once.
 */
@ApplicationScoped
public class ActivationListener {

    private static final Logger LOG = Logger.getLogger(ActivationListener.class);

    private final ComparisonStore store;
    private final ActivationDeadLetters deadLetters;
    private final ScoreBoard board;
    private final ProbeTrainer trainer;
    private final CkaMetrics metrics;
    private final StreamPace pace;
    private final PairPartitions partitions;
    private final int emitEvery;
    private final Duration publishTimeout;
    private final long emitIntervalNanos;
    /** Watches for the end of a backlog after each batch that was behind ({@link #publishOnceDrained}). */
    private final ScheduledExecutorService drainWatch = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cka-drain-watch");
        t.setDaemon(true);
        return t;
    });

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
            pace.polled(newest, now, batch.getRecords().size());
        }
        List<DeadLetter> dead = new ArrayList<>();
        Set<CheckpointPair> changed = new HashSet<>();
        // The whole batch is applied under the state lock, each record's offset with its effect in every pair, so
        // a snapshot always matches the offsets it records (and never sees the backlog's wider buffer).
        long[] folds = new long[2];
        long[] locked = new long[1];
        int counted = store.write(cs -> {
            locked[0] = System.nanoTime();
            int completed = 0;
            folds[0] = cs.folds();
            folds[1] = cs.foldNanos();
            cs.all().forEach(c -> c.beginBacklog(batch.getRecords().size()));
            try {
                for (KafkaRecord<byte[], byte[]> record : batch) {
                    completed += apply(cs, record, now, dead, changed);
                }
            } finally {
                cs.all().forEach(Comparison::endBacklog);
                folds[0] = cs.folds() - folds[0];
                folds[1] = cs.foldNanos() - folds[1];
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
            changed.forEach(board::markChanged);
            if (board.reviewsSinceLastEmit() >= emitEvery && board.emissionDue()) {
                board.publishIfChanged();
            }
            trainer.counted();
        }
        if (pace.lastBatchBehind()) {
            watchForDrain(TimeUnit.MILLISECONDS.toNanos(pace.drainedAfterMillis() + 1));
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

    /**
     * Applies one record to every pair that reads its topic and does not have it yet; returns the reviews it
     * completed (one per pair at most). A record that cannot be counted is dead-lettered once, with every refusing
     * pair's reason; each pair counts it among its dead letters. Halves a pair drops because of it (evicted, a
     * label mismatch) are dead-lettered per pair.
     */
    private int apply(Comparisons cs, KafkaRecord<byte[], byte[]> record, long now, List<DeadLetter> dead,
            Set<CheckpointPair> changed) {
        String topic = record.getTopic();
        int partition = record.getPartition();
        long offset = record.getMetadata(IncomingKafkaRecordMetadata.class).map(m -> m.getOffset()).orElse(-1L);
        List<Comparisons.Reader> readers = cs.readers(topic);
        if (readers.isEmpty()) {
            dead.add(new DeadLetter(topic, record.getKey(), record.getPayload(), record.getHeaders(),
                    ActivationRejection.UNKNOWN_TOPIC, topic + " is not the activation topic of any configured pair ("
                    + String.join(", ", cs.topics()) + ")"));
            cs.all().forEach(c -> c.deadLettered(1));
            changed.addAll(cs.all().stream().map(Comparison::pair).toList());
            return 0;
        }
        List<Comparisons.Reader> due = readers.stream()
                .filter(r -> offset < 0 || r.comparison().unapplied(topic, partition, offset)).toList();
        if (due.isEmpty()) {
            return 0;
        }
        boolean several = cs.all().size() > 1;
        PooledHalf half;
        try {
            half = PooledHalf.decode(due.get(0).side(), record.getKey(), record.getPayload(), record.getHeaders());
        } catch (InvalidActivation e) {
            dead.add(new DeadLetter(topic, record.getKey(), record.getPayload(), record.getHeaders(), e.reason(),
                    e.detail()));
            for (Comparisons.Reader r : due) {
                r.comparison().deadLettered(1);
                changed.add(r.comparison().pair());
                applied(r.comparison(), topic, partition, offset);
            }
            return 0;
        }
        int completed = 0;
        ActivationRejection refusedFor = null;
        List<String> refusals = new ArrayList<>();
        for (Comparisons.Reader r : due) {
            Comparison c = r.comparison();
            int before = dead.size();
            try {
                Comparison.Result result = c.offer(half.as(r.side()), now);
                result.evicted().forEach(e -> dead.add(evicted(c, e, several)));
                if (result.offer() instanceof ReviewJoin.Refused refused) {
                    refusedFor = refusedFor == null ? refused.reason() : refusedFor;
                    refusals.add(several ? c.pair() + ": " + refused.detail() : refused.detail());
                    c.deadLettered(1);
                }
                if (result.offer() instanceof ReviewJoin.Completed) {
                    completed++;
                    changed.add(c.pair());
                }
            } catch (InvalidActivation e) {
                refusedFor = refusedFor == null ? e.reason() : refusedFor;
                refusals.add(several ? c.pair() + ": " + e.detail() : e.detail());
                c.deadLettered(1);
            }
            c.deadLettered(dead.size() - before);
            if (dead.size() > before || !refusals.isEmpty()) {
                changed.add(c.pair());
            }
            applied(c, topic, partition, offset);
        }
        if (refusedFor != null) {
            dead.add(new DeadLetter(topic, record.getKey(), record.getPayload(), record.getHeaders(), refusedFor,
                    String.join("; ", refusals)));
        }
        return completed;
    }

    private static void applied(Comparison c, String topic, int partition, long offset) {
        if (offset >= 0) {
            c.applied(topic, partition, offset);
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
        Set<CheckpointPair> changed = new HashSet<>();
        List<DeadLetter> expired = store.write(cs -> {
            List<DeadLetter> dead = new ArrayList<>();
            long now = System.currentTimeMillis();
            for (Comparison c : cs.all()) {
                // A partial holder's waiting halves may have their other half on another instance's partitions.
                if (!partitions.holds(c.pair())) {
                    continue;
                }
                int before = dead.size();
                c.expire(now).forEach(e -> dead.add(evicted(c, e, cs.all().size() > 1)));
                c.deadLettered(dead.size() - before);
                if (dead.size() > before) {
                    changed.add(c.pair());
                }
            }
            return dead;
        });
        if (!expired.isEmpty()) {
            expired.forEach(d -> deadLetters.send(d.topic, d.key, d.value, d.headers, d.reason, d.detail));
            changed.forEach(board::markChanged);
        }
        if (board.reviewsSinceLastEmit() > 0 && (pace.behind() ? !board.emissionDue()
                : board.nanosSinceLastEmission() < emitIntervalNanos / 2)) {
            return;
        }
        board.publishIfChanged();
    }

    /**
     * After a batch that was behind: once no batch has come for {@code cka.backlog.drained-after}, the backlog is
     * drained, and what it brought is published now, paced as when caught up, instead of at the backlog's sparser
     * cadence or the next {@link #tick}. A batch that comes first does this itself or schedules the next check.
     */
    private void publishOnceDrained() {
        if (pace.streaming(pace.drainedAfterMillis())) {
            return;
        }
        long wait = board.nanosUntilEmissionDue();
        if (wait > 0) {
            watchForDrain(wait);
            return;
        }
        try {
            board.publishIfChanged();
        } catch (RuntimeException e) {
            // A scheduled task's exception would otherwise vanish; the next batch or tick publishes again.
            LOG.warnf(e, "the scores after a drained backlog were not published");
        }
    }

    /** Checks {@link #publishOnceDrained} after {@code nanos}; not once the service is stopping. */
    private void watchForDrain(long nanos) {
        try {
            drainWatch.schedule(this::publishOnceDrained, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            // The shutdown snapshot and the last emission are the service's own business then.
        }
    }

    @PreDestroy
    void stopDrainWatch() {
        drainWatch.shutdownNow();
    }

    private static DeadLetter evicted(Comparison c, ReviewJoin.Evicted e, boolean several) {
        ActivationRecord r = e.half().record();
        return new DeadLetter(Topics.activations(c.name(e.half().side())), r.key(), r.value(),
                new RecordHeaders(r.headers()), e.reason(), several ? c.pair() + ": " + e.detail() : e.detail());
    }
}
