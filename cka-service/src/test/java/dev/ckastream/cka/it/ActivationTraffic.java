package dev.ckastream.cka.it;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import dev.ckastream.deploy.broker.KafkaBrokerTestResource;

/** A standard Kafka client's view of the activation and score topics, for the end-to-end tests. */
final class ActivationTraffic implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;

    ActivationTraffic() {
        Properties p = new Properties();
        p.put("bootstrap.servers", KafkaBrokerTestResource.broker().bootstrapServers());
        p.put("acks", "all");
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    static byte[] floats(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    static RecordHeaders headers(Object layers, Object dim, Object tokens, Object label, Object model) {
        RecordHeaders h = new RecordHeaders();
        put(h, "layers", layers);
        put(h, "dim", dim);
        put(h, "tokens", tokens);
        put(h, "label", label);
        put(h, "model", model);
        return h;
    }

    private static void put(RecordHeaders h, String name, Object value) {
        if (value != null) {
            h.add(name, value.toString().getBytes(StandardCharsets.US_ASCII));
        }
    }

    void send(String topic, String key, byte[] value, RecordHeaders headers) {
        try {
            producer.send(new ProducerRecord<>(topic, null, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                    value, headers)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a topic from the beginning until {@code done} holds for what was read, or the timeout. */
    static List<ConsumerRecord<byte[], byte[]>> read(String topic, Predicate<List<ConsumerRecord<byte[], byte[]>>> done,
            Duration timeout) {
        Map<String, Object> c = Map.of("bootstrap.servers", KafkaBrokerTestResource.broker().bootstrapServers(),
                "group.id", "test-" + UUID.randomUUID(), "auto.offset.reset", "earliest");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(records) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    @Override
    public void close() {
        producer.close();
    }
}
