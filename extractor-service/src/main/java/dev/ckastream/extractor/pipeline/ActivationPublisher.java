package dev.ckastream.extractor.pipeline;

import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import dev.ckastream.contract.ActivationRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/** Writes activation records to {@code activations.<checkpoint>}; each send completes when the broker acknowledges. */
@ApplicationScoped
public class ActivationPublisher {

    @Inject
    @Channel("activations")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 8192)
    MutinyEmitter<Record<byte[], byte[]>> activations;

    public CompletableFuture<Void> publish(String checkpoint, ActivationRecord record) {
        ProducerRecord<byte[], byte[]> wire = record.toProducerRecord(checkpoint);
        var metadata = OutgoingKafkaRecordMetadata.<byte[]>builder()
                .withTopic(wire.topic())
                .withKey(wire.key())
                .withHeaders(wire.headers())
                .build();
        return activations.sendMessage(Message.of(Record.of(wire.key(), wire.value())).addMetadata(metadata))
                .subscribeAsCompletionStage();
    }
}
