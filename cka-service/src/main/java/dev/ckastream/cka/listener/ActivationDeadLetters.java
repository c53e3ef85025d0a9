package dev.ckastream.cka.listener;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import dev.ckastream.cka.observe.CkaMetrics;
import dev.ckastream.contract.ActivationRejection;
import dev.ckastream.contract.DeadLetterHeaders;
import dev.ckastream.contract.Topics;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Sends an activation record that cannot be counted to {@code activations.dlq}: its key, value and original
 * headers, plus {@code error} (reason code and detail), {@code error.reason} (the code alone) and
 * {@code source.topic}.
 */
@ApplicationScoped
public class ActivationDeadLetters {

    private static final Logger LOG = Logger.getLogger(ActivationDeadLetters.class);

    @Inject
    @Channel("activations-dlq")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 16384)
    MutinyEmitter<Record<byte[], byte[]>> deadLetters;

    @Inject
    CkaMetrics metrics;

    public CompletableFuture<Void> send(String sourceTopic, byte[] key, byte[] value, Headers original,
            ActivationRejection reason, String detail) {
        metrics.deadLetter(reason.code());
        String error = DeadLetterHeaders.error(reason.code(), detail);
        LOG.debugf("dead letter from %s: %s", sourceTopic, error);
        List<Header> headers = new ArrayList<>();
        if (original != null) {
            for (Header h : original) {
                if (!h.key().equals(DeadLetterHeaders.ERROR) && !h.key().equals(DeadLetterHeaders.ERROR_REASON)) {
                    headers.add(h);
                }
            }
        }
        headers.add(new RecordHeader(DeadLetterHeaders.ERROR, error.getBytes(StandardCharsets.UTF_8)));
        headers.add(new RecordHeader(DeadLetterHeaders.ERROR_REASON, reason.code().getBytes(StandardCharsets.UTF_8)));
        headers.add(new RecordHeader(DeadLetterHeaders.SOURCE_TOPIC, sourceTopic.getBytes(StandardCharsets.UTF_8)));
        var metadata = OutgoingKafkaRecordMetadata.<byte[]>builder().withTopic(Topics.ACTIVATIONS_DLQ).withKey(key)
                .withHeaders(new RecordHeaders(headers)).build();
        return deadLetters.sendMessage(Message.of(Record.of(key, value)).addMetadata(metadata))
                .subscribeAsCompletionStage();
    }
}
