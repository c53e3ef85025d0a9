package dev.ckastream.cka.listener;

import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.common.header.Headers;
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
        Headers headers = DeadLetterHeaders.of(original, reason.code(), detail, sourceTopic, -1, -1);
        var metadata = OutgoingKafkaRecordMetadata.<byte[]>builder().withTopic(Topics.ACTIVATIONS_DLQ).withKey(key)
                .withHeaders(headers).build();
        return deadLetters.sendMessage(Message.of(Record.of(key, value)).addMetadata(metadata))
                .subscribeAsCompletionStage();
    }
}
