package dev.ckastream.extractor.it;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import dev.ckastream.deploy.broker.KafkaBrokerTestResource;
import dev.ckastream.contract.Topics;

/**
 * Plain Kafka clients for the integration tests: they talk to the shared embedded broker directly, the way
 * a feeder and a downstream consumer would, without going through the service's own code.
 */
final class KafkaClients {

    static final String PRETRAINED = Topics.activations("pretrained");
    static final String FINETUNED = Topics.activations("finetuned");
    static final List<String> ACTIVATIONS = List.of(PRETRAINED, FINETUNED);

    /** First inference compiles kernels and the machine is shared: generous, but bounded. */
    static final Duration RECORD_TIMEOUT = Duration.ofSeconds(120);
    /** How long to keep reading after everything expected arrived, to catch duplicates. */
    static final Duration SETTLE = Duration.ofSeconds(3);

    private KafkaClients() {
    }

    static String bootstrap() {
        return KafkaBrokerTestResource.broker().bootstrapServers();
    }

    /** Unique id fragment so that tests sharing the broker (and topics) never see each other's records. */
    static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /** Creates the contract's topics if missing (one partition, as the broker's auto-creation would). */
    static void ensureTopics() {
        ensureTopics(List.of());
    }

    /**
     * The contract's topics and {@code more} (e.g. a third checkpoint's): a reader can only be positioned on a
     * topic that exists (partitionsFor gives no partition for one that does not yet).
     */
    static void ensureTopics(List<String> more) {
        List<String> topics = new ArrayList<>(List.of(Topics.REVIEWS, Topics.REVIEWS_DLQ, PRETRAINED, FINETUNED));
        more.stream().filter(t -> !topics.contains(t)).forEach(topics::add);
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        try (Admin admin = Admin.create(p)) {
            for (String topic : topics) {
                try {
                    admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create " + topic, e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    /** Sends the records in order, each acknowledged by the broker before the next; returns their metadata. */
    static List<RecordMetadata> send(List<ProducerRecord<byte[], byte[]>> records) {
        List<RecordMetadata> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (ProducerRecord<byte[], byte[]> record : records) {
                sent.add(producer.send(record).get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("send failed", e);
        }
        return sent;
    }

    /** Sends the records without waiting between them (so that the service likely polls them as one batch). */
    static List<RecordMetadata> sendBurst(List<ProducerRecord<byte[], byte[]>> records) {
        return sendAll(producer(), records);
    }

    /**
     * Sends the records (all to one partition) as one record batch in one produce request: the broker appends
     * them at once, so a consumer's poll gets all of them or none (up to its {@code max.poll.records}).
     */
    static List<RecordMetadata> sendAsOneRecordBatch(List<ProducerRecord<byte[], byte[]>> records) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "600000"); // nothing leaves before flush()
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(4 << 20));
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(8 << 20));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "720000"); // at least linger + request timeout
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return sendAll(new KafkaProducer<>(p), records);
    }

    /** Sends every record without waiting between them, flushes, waits for every acknowledgement, closes. */
    private static List<RecordMetadata> sendAll(KafkaProducer<byte[], byte[]> producer,
            List<ProducerRecord<byte[], byte[]>> records) {
        List<java.util.concurrent.Future<RecordMetadata>> futures = new ArrayList<>();
        List<RecordMetadata> sent = new ArrayList<>();
        try (producer) {
            records.forEach(r -> futures.add(producer.send(r)));
            producer.flush();
            for (var f : futures) {
                sent.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("send failed", e);
        }
        return sent;
    }

    static ProducerRecord<byte[], byte[]> review(byte[] key, byte[] value) {
        return new ProducerRecord<>(Topics.REVIEWS, key, value);
    }

    static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** The one header of that name, as ASCII; fails if it is absent or repeated. */
    static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        List<Header> all = new ArrayList<>();
        record.headers().headers(name).forEach(all::add);
        if (all.size() != 1) {
            throw new AssertionError("expected exactly one '" + name + "' header, got " + all.size() + " on "
                    + record.topic() + " key " + text(record.key()));
        }
        return new String(all.get(0).value(), StandardCharsets.US_ASCII);
    }

    static List<String> headerNames(ConsumerRecord<byte[], byte[]> record) {
        List<String> names = new ArrayList<>();
        record.headers().forEach(h -> names.add(h.key()));
        return names;
    }

    /** First 16 hex digits of the SHA-256 of a classpath resource, read here independently of the service. */
    static String sha256Prefix(String resource) {
        try (var in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no classpath resource " + resource);
            }
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0;) {
                sha.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (Exception e) {
            throw new IllegalStateException("cannot hash " + resource, e);
        }
    }

    /**
     * A reader positioned at the current end of the given topics: created before producing, it sees exactly the
     * records written afterwards (no consumer group, so no rebalance delay).
     */
    static Watch watch(List<String> topics) {
        return new Watch(topics);
    }

    static final class Watch implements AutoCloseable {

        private final KafkaConsumer<byte[], byte[]> consumer;

        private Watch(List<String> topics) {
            ensureTopics(topics);
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "extractor-test-" + UUID.randomUUID());
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            consumer = new KafkaConsumer<>(p);
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                // a topic being auto-created at this moment (the extractor's readiness check asks for its outputs)
                // can report no partition yet: ask again rather than watch nothing
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
                while (infos.isEmpty() && System.nanoTime() < deadline) {
                    sleep(Duration.ofMillis(100));
                    infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
                }
                if (infos.isEmpty()) {
                    throw new IllegalStateException("topic " + topic + " has no partition after 30 s");
                }
                infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(tp -> consumer.position(tp, Duration.ofSeconds(30))); // resolve the end now
        }

        /**
         * Reads records that pass {@code filter} until {@code done} holds for them, then for {@link #SETTLE} more
         * (to see duplicates), or until {@code timeout}. Returns what it read; the caller asserts.
         */
        List<ConsumerRecord<byte[], byte[]>> collect(Predicate<ConsumerRecord<byte[], byte[]>> filter,
                Predicate<List<ConsumerRecord<byte[], byte[]>>> done, Duration timeout) {
            List<ConsumerRecord<byte[], byte[]>> matched = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            long settleUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (filter.test(record)) {
                        matched.add(record);
                    }
                }
                if (settleUntil == Long.MAX_VALUE && done.test(matched)) {
                    settleUntil = System.nanoTime() + SETTLE.toNanos();
                }
            }
            return matched;
        }

        /** Everything passing {@code filter} within {@code window} (to show that nothing arrives). */
        List<ConsumerRecord<byte[], byte[]>> during(Duration window, Predicate<ConsumerRecord<byte[], byte[]>> filter) {
            return collect(filter, r -> false, window);
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Map<String, Object> json(String id, String text, Object label) {
        var m = new java.util.LinkedHashMap<String, Object>();
        m.put("id", id);
        m.put("text", text);
        if (label != null) {
            m.put("label", label);
        }
        return m;
    }
}
