package dev.ckastream.cka.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ckastream.deploy.broker.EmbeddedKafkaBroker;

/**
 * Hostile input to the whole system, both services as processes: bad reviews mixed (shuffled) with good ones on
 * {@code reviews} land in {@code reviews.dlq} with an {@code error} header, exactly so many per reason; every good
 * review (a 900 KB one, unicode ids, unknown extra fields, one posted over HTTP with the ingest token) is scored
 * exactly once; then bad activation records (short payload, NaN, +Inf, missing or non-numeric headers, another
 * dim, another model, missing key or value, a duplicate) land in {@code activations.dlq}; nothing stalls and
 * both services are ready at the end.
 */
class HostileInputIT {

    private static final String TOKEN = "ingest-token-" + Long.toHexString(new Random().nextLong());

    @TempDir
    Path work;

    private record Input(byte[] key, byte[] value) {
    }

    @Test
    void badRecordsAreDeadLetteredByReasonAndEveryGoodReviewIsScoredOnce() throws Exception {
        List<Input> inputs = new ArrayList<>();
        Set<String> good = new java.util.HashSet<>();
        for (ObjectNode review : ShortReviews.load(10, "hostile-")) {
            inputs.add(good(review, good));
        }
        inputs.add(good(ShortReviews.review("ünïcødé-日本語-🎬", "Unicode id, plain text.", 1), good));
        inputs.add(good(ShortReviews.review("ключ-42", "Ещё один отзыв: хороший фильм.", 1), good));
        ObjectNode extra = ShortReviews.review("hostile-extra-fields", "Extra fields are ignored.", 0);
        extra.put("rating", 3).put("source", "imdb").putObject("nested").putArray("list").add(1).add("two");
        inputs.add(good(extra, good));
        inputs.add(good(ShortReviews.review("hostile-no-label", "No label at all.", null), good));
        String huge = "This review goes on and on. ".repeat(900_000 / 28 + 1).substring(0, 900_000);
        inputs.add(good(ShortReviews.review("hostile-900kb", huge, 1), good));

        Map<String, Long> expected = new TreeMap<>();
        bad(inputs, expected, "not-json", "hostile-bad-1", "this is not json");
        bad(inputs, expected, "not-json", "hostile-bad-2", "");
        bad(inputs, expected, "not-json", "hostile-bad-3", "{\"id\":\"hostile-bad-3\",\"text\":");
        bad(inputs, expected, "not-an-object", "hostile-bad-4", "[{\"id\":\"hostile-bad-4\",\"text\":\"in an array\"}]");
        bad(inputs, expected, "not-an-object", "hostile-bad-5", "\"just a string\"");
        bad(inputs, expected, "missing-id", "hostile-bad-6", "{\"text\":\"no id\"}");
        bad(inputs, expected, "missing-id", "", "{\"id\":\"\",\"text\":\"empty id\"}");
        bad(inputs, expected, "missing-id", "7", "{\"id\":7,\"text\":\"numeric id\"}");
        bad(inputs, expected, "missing-text", "hostile-bad-8", "{\"id\":\"hostile-bad-8\"}");
        bad(inputs, expected, "missing-text", "hostile-bad-9", "{\"id\":\"hostile-bad-9\",\"text\":\"\"}");
        bad(inputs, expected, "missing-text", "hostile-bad-10", "{\"id\":\"hostile-bad-10\",\"text\":null}");
        bad(inputs, expected, "bad-label", "hostile-bad-11", "{\"id\":\"hostile-bad-11\",\"text\":\"x\",\"label\":5}");
        bad(inputs, expected, "bad-label", "hostile-bad-12",
                "{\"id\":\"hostile-bad-12\",\"text\":\"x\",\"label\":\"positive\"}");
        bad(inputs, expected, "key-mismatch", "hostile-other-key", "{\"id\":\"hostile-bad-13\",\"text\":\"key is not id\"}");
        bad(inputs, expected, "key-mismatch", null, "{\"id\":\"hostile-bad-14\",\"text\":\"no key at all\"}");
        byte[] latin1 = "{\"id\":\"hostile-bad-15\",\"text\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        inputs.add(new Input(bytes("hostile-bad-15"), latin1));
        expected.merge("invalid-utf8", 1L, Long::sum);
        inputs.add(new Input(new byte[] { (byte) 0xff, (byte) 0xfe, 'k' },
                bytes("{\"id\":\"hostile-bad-16\",\"text\":\"bad key bytes\"}")));
        expected.merge("invalid-utf8", 1L, Long::sum);
        inputs.add(new Input(bytes("hostile-bad-17"), null));
        expected.merge("null-value", 1L, Long::sum);
        String tooLong = "x".repeat(1_000_001);
        bad(inputs, expected, "text-too-long", "hostile-bad-18",
                "{\"id\":\"hostile-bad-18\",\"text\":\"" + tooLong + "\"}");
        Collections.shuffle(inputs, new Random(3));
        long badReviews = expected.values().stream().mapToLong(Long::longValue).sum();

        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(0, work.resolve("kafka")).start()) {
            Map<String, String> ckaEnv = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "CKA_STATE_DIR", work.resolve("state").toString());
            Map<String, String> extractorEnv = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "EXTRACTOR_MAX_TOKENS", "64", "EXTRACTOR_INGEST_TOKEN", TOKEN);
            try (ServiceProcess cka = ServiceProcess.startCka(ckaEnv, work.resolve("cka.log"));
                    ServiceProcess extractor = ServiceProcess.startExtractor(extractorEnv, work.resolve("extractor.log"))) {
                cka.awaitReady(Duration.ofSeconds(90));
                extractor.awaitReady(Duration.ofSeconds(120));

                Properties p = KafkaTopics.client(broker.bootstrapServers(), Map.of());
                p.put("acks", "all");
                p.put("max.request.size", String.valueOf(4 * 1024 * 1024));
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                        new ByteArraySerializer())) {
                    for (Input in : inputs) {
                        producer.send(new ProducerRecord<>("reviews", in.key, in.value)).get();
                    }
                }
                // One more over HTTP: 401 without the token, 202 with it.
                byte[] posted = bytes("{\"id\":\"hostile-posted\",\"text\":\"Posted with the bearer token.\",\"label\":1}");
                ServiceProcess.Answer refused = extractor.post("/reviews", "application/json", posted, Map.of());
                assertEquals(401, refused.status(), refused.body());
                assertTrue(refused.body().contains("extractor.ingest.token"), refused.body());
                ServiceProcess.Answer accepted = extractor.post("/reviews", "application/json", posted,
                        Map.of("Authorization", "Bearer " + TOKEN));
                assertEquals(202, accepted.status(), accepted.body());
                good.add("hostile-posted");

                cka.awaitReviews(n -> n >= good.size(), Duration.ofSeconds(150));
                Properties client = KafkaTopics.client(broker.bootstrapServers(), Map.of());
                List<ConsumerRecord<byte[], byte[]>> reviewDlq = awaitRecords(client, "reviews.dlq", badReviews, extractor);
                assertEquals(expected, new TreeMap<>(KafkaTopics.reasons(reviewDlq)), "reviews.dlq by reason");
                for (ConsumerRecord<byte[], byte[]> r : reviewDlq) {
                    String error = KafkaTopics.header(r, "error");
                    assertTrue(error.startsWith(KafkaTopics.header(r, "error.reason") + ": "), error);
                    assertEquals("reviews", KafkaTopics.header(r, "source.topic"));
                }

                List<ConsumerRecord<byte[], byte[]>> pretrained = KafkaTopics.readAll(client, "activations.pretrained");
                List<ConsumerRecord<byte[], byte[]>> finetuned = KafkaTopics.readAll(client, "activations.finetuned");
                assertEquals(sorted(good), sorted(keys(pretrained)), "each good review once on activations.pretrained");
                assertEquals(sorted(good), sorted(keys(finetuned)), "each good review once on activations.finetuned");
                Thread.sleep(1000);
                JsonNode scores = cka.scores();
                assertEquals(good.size(), scores.get("reviews").asLong(), scores.toString());
                assertEquals(0, scores.get("deadLetters").asLong(), scores.toString());

                // Hostile activation records, after the stream's shape and models are known.
                Map<String, Long> expectedActivations = new TreeMap<>();
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                        new ByteArraySerializer())) {
                    for (ProducerRecord<byte[], byte[]> bad : hostileActivations(pretrained.get(0), expectedActivations)) {
                        producer.send(bad).get();
                    }
                }
                long badActivations = expectedActivations.values().stream().mapToLong(Long::longValue).sum();
                List<ConsumerRecord<byte[], byte[]>> activationDlq = awaitRecords(client, "activations.dlq",
                        badActivations, cka);
                assertEquals(expectedActivations, new TreeMap<>(KafkaTopics.reasons(activationDlq)),
                        "activations.dlq by reason");

                Thread.sleep(1000);
                scores = cka.scores();
                assertEquals(good.size(), scores.get("reviews").asLong(), "still every good review once: " + scores);
                assertEquals(badActivations, scores.get("deadLetters").asLong(), scores.toString());
                assertTrue(cka.isAlive() && extractor.isAlive());
                assertEquals(200, cka.status("/q/health/ready"), cka.tail());
                assertEquals(200, extractor.status("/q/health/ready"), extractor.tail());
                extractor.stop();
                assertFalse(extractor.logText().contains(TOKEN), "the ingest token is in the extractor's log");
                System.out.printf("HostileInputIT: %d good reviews scored once, %d bad reviews and %d bad activation"
                        + " records dead-lettered by reason%n", good.size(), badReviews, badActivations);
            }
        }
    }

    /** Bad activation records modelled on a real one (its shape, model and headers), one reason each. */
    private static List<ProducerRecord<byte[], byte[]>> hostileActivations(ConsumerRecord<byte[], byte[]> real,
            Map<String, Long> expected) {
        String topic = real.topic();
        int layers = Integer.parseInt(KafkaTopics.header(real, "layers"));
        int dim = Integer.parseInt(KafkaTopics.header(real, "dim"));
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        java.util.function.BiConsumer<String, ProducerRecord<byte[], byte[]>> add = (reason, r) -> {
            out.add(r);
            expected.merge(reason, 1L, Long::sum);
        };
        add.accept("bad-length", new ProducerRecord<>(topic, null, bytes("act-short"),
                java.util.Arrays.copyOf(real.value(), 100), copy(real, Map.of())));
        add.accept("non-finite", new ProducerRecord<>(topic, null, bytes("act-nan"), withValue(real.value(), Float.NaN),
                copy(real, Map.of())));
        add.accept("non-finite", new ProducerRecord<>(topic, null, bytes("act-inf"),
                withValue(real.value(), Float.POSITIVE_INFINITY), copy(real, Map.of())));
        add.accept("non-finite", new ProducerRecord<>(topic, null, bytes("act-ninf"),
                withValue(real.value(), Float.NEGATIVE_INFINITY), copy(real, Map.of())));
        add.accept("missing-header", new ProducerRecord<>(topic, null, bytes("act-no-dim"), real.value(),
                copy(real, Map.of("dim", ""))));
        add.accept("bad-header", new ProducerRecord<>(topic, null, bytes("act-dim-text"), real.value(),
                copy(real, Map.of("dim", "three hundred"))));
        add.accept("shape-mismatch", new ProducerRecord<>(topic, null, bytes("act-other-dim"),
                new byte[layers * (dim / 2) * 4], copy(real, Map.of("dim", Integer.toString(dim / 2)))));
        add.accept("shape-mismatch", new ProducerRecord<>(topic, null, bytes("act-other-layers"),
                new byte[(layers - 1) * dim * 4], copy(real, Map.of("layers", Integer.toString(layers - 1)))));
        add.accept("model-mismatch", new ProducerRecord<>(topic, null, bytes("act-other-model"), real.value(),
                copy(real, Map.of("model", "0123456789abcdef"))));
        add.accept("missing-key", new ProducerRecord<>(topic, null, (byte[]) null, real.value(), copy(real, Map.of())));
        add.accept("missing-value", new ProducerRecord<>(topic, null, bytes("act-tombstone"), null, copy(real, Map.of())));
        add.accept("duplicate", new ProducerRecord<>(topic, null, real.key(), real.value(), copy(real, Map.of())));
        return out;
    }

    /** The real record's headers, with {@code changes} applied (an empty value removes the header). */
    private static RecordHeaders copy(ConsumerRecord<byte[], byte[]> real, Map<String, String> changes) {
        RecordHeaders h = new RecordHeaders();
        for (Header header : real.headers()) {
            if (!changes.containsKey(header.key())) {
                h.add(new RecordHeader(header.key(), header.value()));
            }
        }
        changes.forEach((k, v) -> {
            if (!v.isEmpty()) {
                h.add(k, bytes(v));
            }
        });
        return h;
    }

    private static byte[] withValue(byte[] payload, float value) {
        byte[] copy = payload.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putFloat(4 * 7, value);
        return copy;
    }

    private static Input good(ObjectNode review, Set<String> good) {
        good.add(review.get("id").asText());
        return new Input(bytes(review.get("id").asText()), ShortReviews.bytes(review));
    }

    private static void bad(List<Input> inputs, Map<String, Long> expected, String reason, String key, String value) {
        inputs.add(new Input(key == null ? null : bytes(key), bytes(value)));
        expected.merge(reason, 1L, Long::sum);
    }

    private static List<ConsumerRecord<byte[], byte[]>> awaitRecords(Properties client, String topic, long count,
            ServiceProcess service) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<ConsumerRecord<byte[], byte[]>> records;
        do {
            records = KafkaTopics.readAll(client, topic);
            if (records.size() >= count) {
                return records;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(records.size() + " of " + count + " records on " + topic + ":\n" + service.tail());
    }

    private static List<String> keys(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> KafkaTopics.text(r.key())).toList();
    }

    private static List<String> sorted(java.util.Collection<String> ids) {
        return ids.stream().sorted().collect(Collectors.toList());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
