package dev.ckastream.extractor.it;

import static dev.ckastream.extractor.it.KafkaClients.FINETUNED;
import static dev.ckastream.extractor.it.KafkaClients.PRETRAINED;
import static dev.ckastream.extractor.it.KafkaClients.header;
import static dev.ckastream.extractor.it.KafkaClients.text;
import static dev.ckastream.extractor.it.KafkaClients.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ckastream.deploy.broker.KafkaBrokerTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * One poll batch of equally long reviews makes many micro-batches ({@link SmallMicroBatchesProfile}: 4 reviews
 * each, 128 tokens); the first micro-batch's records must reach both activation topics while the later ones
 * are still being computed, not after the last. Measured from the records' own timestamps (the extractor's
 * producer stamps each record when it sends it; broker and service share this JVM's clock), on the real broker
 * with the real default checkpoints.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@TestProfile(SmallMicroBatchesProfile.class)
class MicroBatchLatencyTest {

    private static final int MICRO_BATCHES = 8;
    private static final int REVIEWS = MICRO_BATCHES * SmallMicroBatchesProfile.MAX_REVIEWS;
    /** With 8 micro-batches the first is due after about 1/8 of the time of the last; all at once would be ~1. */
    private static final double MOST_FIRST_TO_LAST = 0.6;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theFirstMicroBatchIsOnBothTopicsLongBeforeTheLastIsComputed() throws Exception {
        String u = KafkaClients.unique();
        // Warm-up: the consumer has joined its group and polls, and both models have run once.
        String warm = "latency-" + u + "-warm";
        List<ProducerRecord<byte[], byte[]>> warmUp = List.of(review(warm, reviewText(new Random(0))));
        try (KafkaClients.Watch watch = KafkaClients.watch(KafkaClients.ACTIVATIONS)) {
            KafkaClients.send(warmUp);
            List<ConsumerRecord<byte[], byte[]>> got = watch.collect(r -> warm.equals(text(r.key())),
                    g -> g.size() >= 2, KafkaClients.RECORD_TIMEOUT);
            assertEquals(2, got.size(), "warm-up records");
        }

        List<String> ids = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> burst = new ArrayList<>();
        Random random = new Random(42);
        for (int i = 0; i < REVIEWS; i++) {
            ids.add(String.format("latency-%s-%02d", u, i));
            burst.add(review(ids.get(i), reviewText(random)));
        }
        Set<String> wanted = Set.copyOf(ids);
        List<ConsumerRecord<byte[], byte[]>> received;
        long start;
        try (KafkaClients.Watch watch = KafkaClients.watch(KafkaClients.ACTIVATIONS)) {
            List<RecordMetadata> sent = KafkaClients.sendAsOneRecordBatch(burst);
            start = sent.stream().mapToLong(RecordMetadata::timestamp).min().orElseThrow();
            received = watch.collect(r -> wanted.contains(text(r.key())), g -> g.size() >= 2 * REVIEWS,
                    KafkaClients.RECORD_TIMEOUT);
        }

        Map<String, List<ConsumerRecord<byte[], byte[]>>> byTopicAndId = received.stream()
                .collect(Collectors.groupingBy(r -> r.topic() + "/" + text(r.key())));
        for (String topic : List.of(PRETRAINED, FINETUNED)) {
            for (String id : ids) {
                List<ConsumerRecord<byte[], byte[]>> got = byTopicAndId.getOrDefault(topic + "/" + id, List.of());
                assertEquals(1, got.size(), "records for " + id + " on " + topic);
                assertEquals(Integer.toString(SmallMicroBatchesProfile.MAX_TOKENS), header(got.get(0), "tokens"),
                        "every review truncated to the same length, so the first sent is in the first micro-batch");
            }
        }
        assertEquals(2 * REVIEWS, received.size());

        long first = Math.max(byTopicAndId.get(PRETRAINED + "/" + ids.get(0)).get(0).timestamp(),
                byTopicAndId.get(FINETUNED + "/" + ids.get(0)).get(0).timestamp());
        long last = received.stream().mapToLong(ConsumerRecord::timestamp).max().orElseThrow();
        double ratio = (double) (first - start) / (last - start);
        System.out.printf("micro-batch latency: %d reviews in %d micro-batches; first review on both topics after %d ms,"
                + " last record after %d ms: ratio %.3f%n", REVIEWS, MICRO_BATCHES, first - start, last - start, ratio);
        assertTrue(last - start > 0, "the burst took time");
        assertTrue(ratio <= MOST_FIRST_TO_LAST, "the first review was published after " + (first - start)
                + " ms, the last record after " + (last - start) + " ms (ratio " + ratio + ", at most "
                + MOST_FIRST_TO_LAST + "): the first micro-batch waited for the later ones");
    }

    private static ProducerRecord<byte[], byte[]> review(String id, String text) throws Exception {
        return KafkaClients.review(utf8(id), JSON.writeValueAsBytes(KafkaClients.json(id, text, 1)));
    }

    /** 200 shuffled words: well over 128 tokens for both checkpoints' tokenizers, different for every review. */
    private static String reviewText(Random random) {
        List<String> words = new ArrayList<>(List.of(("the film was a slow burn with a brilliant cast and a score that"
                + " lingers long after the credits but its second act drags and the ending feels rushed").split(" ")));
        List<String> all = new ArrayList<>();
        while (all.size() < 200) {
            Collections.shuffle(words, random);
            all.addAll(words);
        }
        return String.join(" ", all.subList(0, 200));
    }
}
