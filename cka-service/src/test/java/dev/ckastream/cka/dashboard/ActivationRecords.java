package dev.ckastream.cka.dashboard;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import dev.ckastream.deploy.broker.KafkaBrokerTestResource;

/**
 * Activation records as the extractor writes them (README, "Wire contract"): key the review id, value the
 * pooled vectors layer-major as little-endian float32, headers {@code layers}, {@code dim}, {@code tokens},
 * {@code label}, {@code model}; produced into the embedded test broker with {@code acks=all}.
 */
final class ActivationRecords implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final List<Future<?>> sent = new ArrayList<>();

    ActivationRecords() {
        Properties p = new Properties();
        p.put("bootstrap.servers", KafkaBrokerTestResource.broker().bootstrapServers());
        p.put("acks", "all");
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Sends one review's pooled vectors ({@code layers} × {@code dim}, layer-major) to {@code activations.<checkpoint>}. */
    void send(String checkpoint, String reviewId, int label, float[] pooled, int layers, int dim, String model) {
        ByteBuffer buffer = ByteBuffer.allocate(pooled.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(pooled);
        RecordHeaders headers = new RecordHeaders();
        headers.add("layers", ascii(layers));
        headers.add("dim", ascii(dim));
        headers.add("tokens", ascii(24));
        headers.add("label", ascii(label));
        headers.add("model", ascii(model));
        sent.add(producer.send(new ProducerRecord<>("activations." + checkpoint, null,
                reviewId.getBytes(StandardCharsets.UTF_8), buffer.array(), headers)));
    }

    /** Waits until the broker has acknowledged every record sent so far. */
    void flush() throws Exception {
        producer.flush();
        for (Future<?> f : sent) {
            f.get();
        }
        sent.clear();
    }

    private static byte[] ascii(Object value) {
        return value.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        producer.close();
    }
}
