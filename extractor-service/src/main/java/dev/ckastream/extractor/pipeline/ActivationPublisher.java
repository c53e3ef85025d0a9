package dev.ckastream.extractor.pipeline;

import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import dev.ckastream.extractor.contract.ActivationRecord;
import dev.ckastream.extractor.contract.Topics;
import org.apache.kafka.common.header.internals.RecordHeaders;

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
        var metadata = OutgoingKafkaRecordMetadata.<byte[]>builder()
                .withTopic(Topics.activations(checkpoint))
                .withKey(record.key())
                .withHeaders(new RecordHeaders(record.headers()))
                .build();
        return activations.sendMessage(Message.of(Record.of(record.key(), record.value())).addMetadata(metadata))
                .subscribeAsCompletionStage();
    }
}
