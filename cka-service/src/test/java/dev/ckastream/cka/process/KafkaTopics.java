package dev.ckastream.cka.process;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reading whole topics from the tests' side: every record up to the current end, without a consumer group. */
final class KafkaTopics {

    private KafkaTopics() {
    }

    static Properties client(String bootstrapServers, Map<String, String> security) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers);
        p.putAll(security);
        return p;
    }

    /** Every record of the topic (all partitions) up to its end now; empty when the topic does not exist. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(Properties client, String topic) {
        Properties p = new Properties();
        p.putAll(client);
        p.put("enable.auto.commit", "false");
        p.put("max.partition.fetch.bytes", String.valueOf(8 * 1024 * 1024));
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            var infos = consumer.partitionsFor(topic, Duration.ofSeconds(15));
            if (infos == null || infos.isEmpty()) {
                return out;
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(15));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end " + end);
                }
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
        }
        return out;
    }

    static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    static String header(ConsumerRecord<?, ?> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : text(h.value());
    }

    /** Dead letters by their {@code error.reason} header; every one must also carry an {@code error} header. */
    static Map<String, Long> reasons(List<ConsumerRecord<byte[], byte[]>> deadLetters) {
        for (ConsumerRecord<byte[], byte[]> r : deadLetters) {
            if (header(r, "error") == null || header(r, "error").isBlank()) {
                throw new AssertionError("dead letter without an error header: " + r);
            }
        }
        return new HashMap<>(deadLetters.stream().collect(Collectors.groupingBy(r -> String.valueOf(header(r, "error.reason")),
                Collectors.counting())));
    }
}
