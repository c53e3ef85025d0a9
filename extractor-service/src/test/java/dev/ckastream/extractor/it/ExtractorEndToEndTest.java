package dev.ckastream.extractor.it;

import static dev.ckastream.extractor.it.KafkaClients.FINETUNED;
import static dev.ckastream.extractor.it.KafkaClients.PRETRAINED;
import static dev.ckastream.extractor.it.KafkaClients.header;
import static dev.ckastream.extractor.it.KafkaClients.headerNames;
import static dev.ckastream.extractor.it.KafkaClients.text;
import static dev.ckastream.extractor.it.KafkaClients.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ckastream.deploy.broker.KafkaBrokerTestResource;
import dev.ckastream.extractor.batch.MicroBatcher;
import dev.ckastream.extractor.checkpoint.Checkpoint;
import dev.ckastream.extractor.checkpoint.Checkpoints;
import dev.ckastream.contract.ActivationRecord;
import dev.ckastream.contract.Review;
import dev.ckastream.extractor.observe.ExtractorMetrics;
import dev.ckastream.extractor.pipeline.LayerExtraction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Reviews in on {@code reviews} through a plain producer, activations out on {@code activations.<checkpoint>}
 * through a plain consumer, against the real embedded broker and the real default checkpoint pair.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class ExtractorEndToEndTest {

    private static final int LAYERS = 13;
    private static final int DIM = 384;
    private static final Map<String, String> ONNX_RESOURCE = Map.of(
            "pretrained", "bge-small-en.onnx",
            "finetuned", "bge-small-en-v1.5.onnx");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    Checkpoints checkpoints;

    @Inject
    ExtractorMetrics metrics;

    /** A test review: what was sent, and what the record's headers must say. */
    record Sent(String id, String text, Integer label, byte[] value) {
    }

    @Test
    void everyReviewGetsExactlyOneCorrectRecordPerCheckpoint() throws Exception {
        String u = KafkaClients.unique();
        String longText = "The cinematography is gorgeous but the plot meanders endlessly, and the dialogue feels wooden. "
                .repeat(40);
        List<Sent> reviews = new ArrayList<>();
        reviews.add(sent("e2e-" + u + "-short", "Loved it.", 1, null));
        reviews.add(sent("e2e-" + u + "-ünïcödé-日本語-🎬", "Ein großartiger Film — 素晴らしい演技! 🎬🍿", 0, null));
        reviews.add(sent("e2e-" + u + "-unlabelled", "Not bad, though the ending was predictable.", null, null));
        reviews.add(sent("e2e-" + u + "-long", longText, 0, null));
        // "label": null means unknown, and unknown fields are ignored.
        reviews.add(sent("e2e-" + u + "-nulllabel", "Two hours I will never get back.", null,
                ("{\"id\":\"e2e-" + u + "-nulllabel\",\"text\":\"Two hours I will never get back.\",\"label\":null,"
                        + "\"source\":\"imdb\",\"stars\":2}")));
        assertTrue(checkpoint("pretrained").tokenize(longText).tokens() == 512
                && checkpoint("finetuned").tokenize(longText).tokens() == 512,
                "the long review must be truncated to the 512-token position limit");

        List<ProducerRecord<byte[], byte[]>> records = reviews.stream()
                .map(r -> KafkaClients.review(utf8(r.id), r.value)).toList();
        Set<String> ids = reviews.stream().map(Sent::id).collect(Collectors.toSet());

        List<ConsumerRecord<byte[], byte[]>> received;
        try (KafkaClients.Watch watch = KafkaClients.watch(KafkaClients.ACTIVATIONS)) {
            KafkaClients.send(records);
            received = watch.collect(r -> ids.contains(text(r.key())),
                    got -> got.stream().map(r -> r.topic() + "/" + text(r.key())).distinct().count() == 2L * ids.size(),
                    KafkaClients.RECORD_TIMEOUT);
        }

        Map<String, List<ConsumerRecord<byte[], byte[]>>> byTopicAndId = received.stream()
                .collect(Collectors.groupingBy(r -> r.topic() + "/" + text(r.key())));
        for (String topic : List.of(PRETRAINED, FINETUNED)) {
            for (String id : ids) {
                List<ConsumerRecord<byte[], byte[]>> got = byTopicAndId.getOrDefault(topic + "/" + id, List.of());
                assertEquals(1, got.size(), "records for " + id + " on " + topic);
            }
        }
        assertEquals(2 * ids.size(), received.size(), "nothing else with these ids");

        Map<String, String> expectedModel = new HashMap<>();
        ONNX_RESOURCE.forEach((name, resource) -> expectedModel.put(name, KafkaClients.sha256Prefix(resource)));
        assertNotEquals(expectedModel.get("pretrained"), expectedModel.get("finetuned"));

        for (Sent review : reviews) {
            Map<String, float[]> vectors = new LinkedHashMap<>();
            for (String name : List.of("pretrained", "finetuned")) {
                ConsumerRecord<byte[], byte[]> record = byTopicAndId.get("activations." + name + "/" + review.id).get(0);
                Checkpoint checkpoint = checkpoint(name);
                String where = review.id + " on " + record.topic();

                assertArrayEquals(utf8(review.id), record.key(), "key = id in UTF-8: " + where);
                List<String> expectedHeaders = review.label == null
                        ? List.of("layers", "dim", "tokens", "model", "contract-version")
                        : List.of("layers", "dim", "tokens", "label", "model", "contract-version");
                assertEquals(Set.copyOf(expectedHeaders), Set.copyOf(headerNames(record)), "header names: " + where);
                assertEquals(expectedHeaders.size(), headerNames(record).size(), "no repeated header: " + where);
                assertEquals("13", header(record, "layers"), where);
                assertEquals("384", header(record, "dim"), where);
                int tokens = checkpoint.tokenize(review.text).tokens();
                assertEquals(Integer.toString(tokens), header(record, "tokens"), where);
                if (review.label != null) {
                    assertEquals(review.label.toString(), header(record, "label"), where);
                }
                assertEquals(expectedModel.get(name), header(record, "model"), where);
                assertEquals("2", header(record, "contract-version"), where);

                assertNotNull(record.value(), where);
                assertEquals(LAYERS * DIM * Float.BYTES, record.value().length, "payload bytes: " + where);
                float[] got = new float[LAYERS * DIM];
                ByteBuffer.wrap(record.value()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(got);

                assertEquals(LAYERS, checkpoint.layers());
                assertEquals(DIM, checkpoint.dim());
                float[] alone = checkpoint.pool(List.of(checkpoint.tokenize(review.text)))[0];
                double diff = maxAbsDiff(alone, got);
                assertTrue(diff <= 1e-5, "vector vs the review computed alone, max |diff| " + diff + ": " + where);
                vectors.put(name, got);
            }
            assertTrue(maxAbsDiff(vectors.get("pretrained"), vectors.get("finetuned")) > 1e-3,
                    "the two checkpoints give different vectors for " + review.id);
        }
    }

    @Test
    void sameIdSentTwiceIsProcessedTwice() throws Exception {
        // At-least-once: a re-sent review is a new record and gets new output (downstream deduplicates by id).
        String id = "e2e-" + KafkaClients.unique() + "-twice";
        byte[] value = JSON.writeValueAsBytes(KafkaClients.json(id, "Worth watching twice.", 1));
        List<ConsumerRecord<byte[], byte[]>> received;
        try (KafkaClients.Watch watch = KafkaClients.watch(KafkaClients.ACTIVATIONS)) {
            KafkaClients.send(List.of(KafkaClients.review(utf8(id), value), KafkaClients.review(utf8(id), value)));
            received = watch.collect(r -> id.equals(text(r.key())), got -> got.size() >= 4, KafkaClients.RECORD_TIMEOUT);
        }
        assertEquals(2, received.stream().filter(r -> r.topic().equals(PRETRAINED)).count(), "on " + PRETRAINED);
        assertEquals(2, received.stream().filter(r -> r.topic().equals(FINETUNED)).count(), "on " + FINETUNED);
        for (ConsumerRecord<byte[], byte[]> r : received) {
            ConsumerRecord<byte[], byte[]> first = received.stream().filter(o -> o.topic().equals(r.topic())).findFirst()
                    .orElseThrow();
            double diff = maxAbsDiff(ActivationRecord.decode(first.key(), first.value(), first.headers()).pooled(),
                    ActivationRecord.decode(r.key(), r.value(), r.headers()).pooled());
            assertTrue(diff <= 1e-5, "same review, same vector: " + diff);
        }
    }

    @Test
    void extractionGivesOneOutcomePerInputInInputOrderEvenForEqualReviews() {
        // ReviewProcessor pairs outcome i with source record i (to dead-letter the right record on failure).
        Review a = new Review("dup-" + KafkaClients.unique(), "Same text, same id.", 1);
        Review aAgain = new Review(a.id(), a.text(), a.label());
        Review b = new Review("other-" + KafkaClients.unique(), "A different review.", null);
        LayerExtraction extraction = new LayerExtraction(checkpoints.all(), new MicroBatcher(8192, 64, 64), metrics);
        List<Review> input = List.of(a, aAgain, b);
        List<LayerExtraction.Outcome> outcomes = extraction.extract(input);
        assertEquals(input.size(), outcomes.size(), "one outcome per input review");
        for (int i = 0; i < input.size(); i++) {
            assertSame(input.get(i), outcomes.get(i).review(), "outcome " + i + " belongs to input " + i);
            assertNull(outcomes.get(i).failure());
            assertEquals(2, outcomes.get(i).records().size());
        }
    }

    private Checkpoint checkpoint(String name) {
        return checkpoints.all().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    private static Sent sent(String id, String text, Integer label, String rawJson) throws Exception {
        byte[] value = rawJson != null ? utf8(rawJson) : JSON.writeValueAsBytes(KafkaClients.json(id, text, label));
        return new Sent(id, text, label, value);
    }

    /** The largest absolute difference between two vectors of the same length. */
    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }
}
