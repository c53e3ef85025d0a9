package dev.ckastream.extractor.pipeline;

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

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import dev.ckastream.extractor.batch.MicroBatcher;
import dev.ckastream.extractor.checkpoint.Checkpoints;
import dev.ckastream.extractor.config.ExtractorConfig;
import dev.ckastream.contract.ActivationRecord;
import dev.ckastream.contract.InvalidReview;
import dev.ckastream.contract.Review;
import dev.ckastream.contract.ReviewRejection;
import dev.ckastream.extractor.observe.ExtractorMetrics;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

/**
 * Kafka in: each polled batch of {@code reviews} is validated (bad records to {@code reviews.dlq}) and run
 * through every checkpoint in token-budget micro-batches on a worker thread; each micro-batch is published to
 * {@code activations.<checkpoint>} as soon as every checkpoint has it. The poll batch is acknowledged (its
 * offsets become committable) only once every record it caused is acknowledged by the broker: at-least-once
 * (a crash after some micro-batches went out replays the whole poll; downstream counts a review id once). One batch is in flight at a time,
 * and the connector pauses the consumer when its queue is full: backpressure instead of unbounded buffering.
 */
@ApplicationScoped
public class ReviewProcessor {

    private static final Logger LOG = Logger.getLogger(ReviewProcessor.class);

    private final Checkpoints checkpoints;
    private final ActivationPublisher publisher;
    private final ReviewDeadLetters deadLetters;
    private final ExtractorMetrics metrics;
    private final LayerExtraction extraction;
    private final int maxChars;
    private final Duration publishTimeout;

    @Inject
    public ReviewProcessor(ExtractorConfig config, Checkpoints checkpoints, ActivationPublisher publisher,
            ReviewDeadLetters deadLetters, ExtractorMetrics metrics) {
        this.checkpoints = checkpoints;
        this.publisher = publisher;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.maxChars = config.maxChars();
        this.publishTimeout = config.publishTimeout();
        this.extraction = new LayerExtraction(checkpoints.all(),
                new MicroBatcher(config.batching().tokenBudget(), config.batching().maxReviews(),
                        config.batching().callOverheadTokens()), metrics);
    }

    @Incoming("reviews")
    @Blocking
    public CompletionStage<Void> process(KafkaRecordBatch<byte[], byte[]> batch) {
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        List<Review> valid = new ArrayList<>();
        List<KafkaRecord<byte[], byte[]>> sources = new ArrayList<>();
        for (KafkaRecord<byte[], byte[]> record : batch) {
            try {
                valid.add(Review.fromRecord(record.getKey(), record.getPayload(), maxChars));
                sources.add(record);
            } catch (InvalidReview e) {
                sends.add(deadLetter(record, e.reason(), e.detail()));
            }
        }
        int[] published = {0};
        // Each micro-batch goes out as soon as every checkpoint has it; the acknowledgement below still waits for all.
        extraction.extract(valid, outcomes -> {
            for (LayerExtraction.Outcome outcome : outcomes) {
                if (outcome.failure() != null) {
                    LOG.warnf("review %s not extracted: %s: %s", outcome.review().id(),
                            outcome.failure().reason().code(), outcome.failure().detail());
                    sends.add(deadLetter(sources.get(outcome.position()), outcome.failure().reason(),
                            outcome.failure().detail()));
                    continue;
                }
                for (int c = 0; c < outcome.records().size(); c++) {
                    ActivationRecord record = outcome.records().get(c);
                    sends.add(publisher.publish(checkpoints.all().get(c).name(), record));
                }
                published[0]++;
            }
        });
        // Wait here, on the worker thread, so that at most one batch is in flight. A batch the broker did not
        // take in time is nacked, never acked: with failure-strategy=fail its offsets stay uncommitted.
        try {
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
                    .get(publishTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return batch.nack(new TimeoutException("the broker did not acknowledge a batch's records within "
                    + publishTimeout + " (extractor.publish-timeout); the batch stays uncommitted"));
        } catch (ExecutionException e) {
            return batch.nack(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return batch.nack(e);
        }
        metrics.published(published[0]);
        return batch.ack();
    }

    private CompletableFuture<Void> deadLetter(KafkaRecord<byte[], byte[]> record, ReviewRejection reason,
            String detail) {
        long offset = record.getMetadata(IncomingKafkaRecordMetadata.class).map(m -> m.getOffset()).orElse(-1L);
        return deadLetters.send(record.getKey(), record.getPayload(), reason, detail, record.getTopic(),
                record.getPartition(), offset);
    }
}
