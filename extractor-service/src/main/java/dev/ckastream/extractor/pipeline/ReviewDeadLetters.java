package dev.ckastream.extractor.pipeline;

import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.common.header.Headers;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import dev.ckastream.contract.DeadLetterHeaders;
import dev.ckastream.contract.ReviewRejection;
import dev.ckastream.contract.Topics;
import dev.ckastream.extractor.observe.ExtractorMetrics;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Sends a review that breaks the contract to {@code reviews.dlq} with its original key and value and the
 * headers {@code error} (reason code and detail), {@code error.reason} (the code alone),
 * {@code source.topic}, {@code source.partition}, {@code source.offset}.
 */
@ApplicationScoped
public class ReviewDeadLetters {

    private static final Logger LOG = Logger.getLogger(ReviewDeadLetters.class);

    @Inject
    @Channel("reviews-dlq")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
    MutinyEmitter<Record<byte[], byte[]>> deadLetters;

    @Inject
    ExtractorMetrics metrics;

    public CompletableFuture<Void> send(byte[] key, byte[] value, ReviewRejection reason, String detail, String topic,
            int partition, long offset) {
        metrics.deadLetter(reason.code());
        String error = DeadLetterHeaders.error(reason.code(), detail);
        LOG.debugf("dead letter %s[%d]@%d: %s", topic, partition, offset, error);
        Headers headers = DeadLetterHeaders.of(null, reason.code(), detail, topic, partition, offset);
        var metadata = OutgoingKafkaRecordMetadata.<byte[]>builder().withTopic(Topics.REVIEWS_DLQ).withKey(key)
                .withHeaders(headers).build();
        return deadLetters.sendMessage(Message.of(Record.of(key, value)).addMetadata(metadata))
                .subscribeAsCompletionStage();
    }
}
