package dev.ckastream.extractor.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the activation topics from their end on its own thread and notes when each expected
 * (checkpoint, review) record arrives.
 */
final class ActivationWatcher implements AutoCloseable {

    /** One measured batch of expected records. */
    static final class Round {
        final Set<String> expected; // "topic|key"
        final Map<String, Long> arrived = new ConcurrentHashMap<>();
        final CountDownLatch done;
        final AtomicLong tokens = new AtomicLong();
        final Map<String, Integer> topicsPerReview = new ConcurrentHashMap<>();
        final int topics;
        volatile long lastArrival;
        volatile long firstArrival;
        /** When the first review had arrived on every topic. */
        volatile long firstOnAllTopics;

        Round(Set<String> expected, int topics) {
            this.expected = expected;
            this.topics = topics;
            this.done = new CountDownLatch(expected.size());
        }

        void offer(String id, int tok, long now) {
            if (expected.contains(id) && arrived.putIfAbsent(id, now) == null) {
                if (firstArrival == 0) {
                    firstArrival = now;
                }
                String review = id.substring(id.indexOf('|') + 1);
                if (topicsPerReview.merge(review, 1, Integer::sum) == topics && firstOnAllTopics == 0) {
                    firstOnAllTopics = now;
                }
                lastArrival = now;
                tokens.addAndGet(tok);
                done.countDown();
            }
        }

        /** Waits until every expected record arrived; fails if none arrives for {@code stall}. */
        void await(Duration stall) throws InterruptedException {
            long seen = -1;
            long lastProgress = System.nanoTime();
            while (!done.await(1, TimeUnit.SECONDS)) {
                long count = done.getCount();
                if (count != seen) {
                    seen = count;
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > stall.toNanos()) {
                    throw new IllegalStateException("no activation record for " + stall + "; " + arrived.size()
                            + " of " + expected.size() + " arrived");
                }
            }
        }
    }

    private final List<String> topics;
    private final Thread thread;
    private final CountDownLatch positioned = new CountDownLatch(1);
    private volatile Round round;
    private volatile boolean running = true;
    private volatile Throwable failure;

    ActivationWatcher(String bootstrapServers, List<String> topics) {
        this.topics = List.copyOf(topics);
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 << 20));
        thread = new Thread(() -> {
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
                List<TopicPartition> parts = topics.stream().map(t -> new TopicPartition(t, 0)).toList();
                consumer.assign(parts);
                consumer.seekToEnd(parts);
                parts.forEach(consumer::position);
                positioned.countDown();
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                        long now = System.nanoTime();
                        Round current = round;
                        if (current != null) {
                            current.offer(r.topic() + "|" + new String(r.key(), StandardCharsets.UTF_8),
                                    tokens(r), now);
                        }
                    }
                }
            } catch (Throwable t) {
                failure = t;
                positioned.countDown();
            }
        }, "activation-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    void awaitPositioned() throws InterruptedException {
        if (!positioned.await(60, TimeUnit.SECONDS) || failure != null) {
            throw new IllegalStateException("activation watcher did not start", failure);
        }
    }

    Round expect(Set<String> expected) {
        Round r = new Round(expected, topics.size());
        round = r;
        return r;
    }

    private static int tokens(ConsumerRecord<byte[], byte[]> r) {
        Header h = r.headers().lastHeader("tokens");
        return h == null ? 0 : Integer.parseInt(new String(h.value(), StandardCharsets.US_ASCII));
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5000);
    }
}
