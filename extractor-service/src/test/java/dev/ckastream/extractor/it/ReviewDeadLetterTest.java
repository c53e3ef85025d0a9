package dev.ckastream.extractor.it;

import static dev.ckastream.extractor.it.KafkaClients.FINETUNED;
import static dev.ckastream.extractor.it.KafkaClients.PRETRAINED;
import static dev.ckastream.extractor.it.KafkaClients.header;
import static dev.ckastream.extractor.it.KafkaClients.text;
import static dev.ckastream.extractor.it.KafkaClients.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.ckastream.deploy.broker.KafkaBrokerTestResource;
import dev.ckastream.contract.Topics;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Every way a record can break the input contract: it lands on {@code reviews.dlq} untouched, with an
 * {@code error} header naming the reason, and a good review sent after it is still processed.
 */
@QuarkusTest
@TestProfile(SmallLimitsProfile.class)
@QuarkusTestResource(KafkaBrokerTestResource.class)
class ReviewDeadLetterTest {

    /** A record that breaks the contract, and the reason code it must be dead-lettered with. */
    record Bad(String name, byte[] key, byte[] value, String code, String tag) {
        Bad(String name, byte[] key, byte[] value, String code) {
            this(name, key, value, code, tagOf(key != null ? key : value));
        }

        /** Whether an activation record could come from this bad record (its key carries the tag). */
        boolean produced(ConsumerRecord<byte[], byte[]> r) {
            return r.key() != null && text(r.key()).startsWith(tag);
        }

        @Override
        public String toString() {
            return name + " -> " + code;
        }

        boolean matches(ConsumerRecord<byte[], byte[]> r) {
            return Arrays.equals(key, r.key()) && Arrays.equals(value, r.value());
        }
    }

    static Stream<Bad> badRecords() {
        List<Bad> bad = new ArrayList<>();
        String u = KafkaClients.unique();
        String id = "dlq-" + u;
        bad.add(new Bad("tombstone", utf8(id + "-tomb"), null, "null-value"));
        bad.add(new Bad("latin-1 value", utf8(id + "-latin1"),
                concat(utf8("{\"id\":\"" + id + "-latin1\",\"text\":\"caf"), new byte[] { (byte) 0xE9 }, utf8("\"}")),
                "invalid-utf8"));
        bad.add(new Bad("invalid key bytes", concat(utf8(id + "-badkey"), new byte[] { (byte) 0xFF, (byte) 0xFE }),
                utf8("{\"id\":\"" + id + "-badkey\",\"text\":\"fine text\"}"), "invalid-utf8"));
        bad.add(new Bad("plain text", utf8(id + "-plain"), utf8("great movie, " + id), "not-json"));
        bad.add(new Bad("two objects in one value", utf8(id + "-two"),
                utf8("{\"id\":\"" + id + "-two\",\"text\":\"a\"}\n{\"id\":\"" + id + "-two\",\"text\":\"b\"}"), "not-json"));
        bad.add(new Bad("JSON array", utf8(id + "-array"),
                utf8("[{\"id\":\"" + id + "-array\",\"text\":\"in an array\"}]"), "not-an-object"));
        bad.add(new Bad("no id", utf8(id + "-noid"), utf8("{\"text\":\"who am I " + id + "\"}"), "missing-id"));
        bad.add(new Bad("no text", utf8(id + "-notext"), utf8("{\"id\":\"" + id + "-notext\",\"label\":1}"), "missing-text"));
        bad.add(new Bad("label 5", utf8(id + "-label5"),
                utf8("{\"id\":\"" + id + "-label5\",\"text\":\"five stars\",\"label\":5}"), "bad-label"));
        bad.add(new Bad("label positive", utf8(id + "-labelpos"),
                utf8("{\"id\":\"" + id + "-labelpos\",\"text\":\"nice\",\"label\":\"positive\"}"), "bad-label"));
        bad.add(new Bad("key differs from id", utf8(id + "-otherkey"),
                utf8("{\"id\":\"" + id + "-mismatch\",\"text\":\"keyed wrong\"}"), "key-mismatch"));
        bad.add(new Bad("no key", null, utf8("{\"id\":\"" + id + "-nokey\",\"text\":\"keyless\"}"), "key-mismatch"));
        bad.add(new Bad("text over max-chars", utf8(id + "-long"),
                utf8("{\"id\":\"" + id + "-long\",\"text\":\"" + "é".repeat(SmallLimitsProfile.MAX_CHARS + 1) + "\"}"),
                "text-too-long"));
        return bad.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRecords")
    void deadLetteredAndTheStreamGoesOn(Bad bad) throws Exception {
        String goodId = "dlq-good-" + KafkaClients.unique();
        byte[] goodValue = utf8("{\"id\":\"" + goodId + "\",\"text\":\"Still processing after a bad one.\",\"label\":1}");
        List<ConsumerRecord<byte[], byte[]>> got;
        List<RecordMetadata> sent;
        try (KafkaClients.Watch watch = KafkaClients.watch(List.of(Topics.REVIEWS_DLQ, PRETRAINED, FINETUNED))) {
            sent = KafkaClients.send(List.of(KafkaClients.review(bad.key, bad.value),
                    KafkaClients.review(utf8(goodId), goodValue)));
            got = watch.collect(r -> r.topic().equals(Topics.REVIEWS_DLQ) ? bad.matches(r) || goodId.equals(text(r.key()))
                    : goodId.equals(text(r.key())) || bad.produced(r),
                    all -> all.stream().anyMatch(r -> r.topic().equals(Topics.REVIEWS_DLQ))
                            && all.stream().anyMatch(r -> r.topic().equals(PRETRAINED))
                            && all.stream().anyMatch(r -> r.topic().equals(FINETUNED)),
                    KafkaClients.RECORD_TIMEOUT);
        }
        List<ConsumerRecord<byte[], byte[]>> dead = got.stream().filter(r -> r.topic().equals(Topics.REVIEWS_DLQ)).toList();
        assertEquals(1, dead.size(), "exactly the bad record on " + Topics.REVIEWS_DLQ + " (good one never): " + dead);
        ConsumerRecord<byte[], byte[]> letter = dead.get(0);
        assertTrue(bad.matches(letter), "original key and value bytes");
        assertArrayEquals(bad.key, letter.key());
        assertArrayEquals(bad.value, letter.value());
        String error = header(letter, "error");
        assertTrue(error.startsWith(bad.code + ": ") && error.length() > bad.code.length() + 2,
                "error header '" + error + "' starts with " + bad.code);
        assertEquals(bad.code, header(letter, "error.reason"));
        assertEquals(Topics.REVIEWS, header(letter, "source.topic"));
        assertEquals(Integer.toString(sent.get(0).partition()), header(letter, "source.partition"));
        assertEquals(Long.toString(sent.get(0).offset()), header(letter, "source.offset"));

        for (String topic : List.of(PRETRAINED, FINETUNED)) {
            List<ConsumerRecord<byte[], byte[]>> out = got.stream().filter(r -> r.topic().equals(topic)).toList();
            assertEquals(1, out.size(), "the good review after the bad one, once, on " + topic + ": " + out);
            assertEquals(goodId, text(out.get(0).key()), "and nothing for the bad one on " + topic);
        }
    }

    @Test
    void allBadRecordsInOneBurstThenGoodOnes() throws Exception {
        List<Bad> bad = badRecords().toList();
        String goodBefore = "dlq-burst-before-" + KafkaClients.unique();
        String goodAfter = "dlq-burst-after-" + KafkaClients.unique();
        List<ProducerRecord<byte[], byte[]>> burst = new ArrayList<>();
        burst.add(KafkaClients.review(utf8(goodBefore), utf8("{\"id\":\"" + goodBefore + "\",\"text\":\"First.\"}")));
        bad.forEach(b -> burst.add(KafkaClients.review(b.key, b.value)));
        burst.add(KafkaClients.review(utf8(goodAfter), utf8("{\"id\":\"" + goodAfter + "\",\"text\":\"Last.\",\"label\":0}")));
        List<ConsumerRecord<byte[], byte[]>> got;
        try (KafkaClients.Watch watch = KafkaClients.watch(List.of(Topics.REVIEWS_DLQ, PRETRAINED, FINETUNED))) {
            KafkaClients.sendBurst(burst);
            got = watch.collect(r -> r.topic().equals(Topics.REVIEWS_DLQ) ? bad.stream().anyMatch(b -> b.matches(r))
                    : goodBefore.equals(text(r.key())) || goodAfter.equals(text(r.key())),
                    all -> all.size() >= bad.size() + 4, KafkaClients.RECORD_TIMEOUT);
        }
        for (Bad b : bad) {
            List<ConsumerRecord<byte[], byte[]>> letters = got.stream()
                    .filter(r -> r.topic().equals(Topics.REVIEWS_DLQ) && b.matches(r)).toList();
            assertEquals(1, letters.size(), b + " dead-lettered once");
            assertTrue(header(letters.get(0), "error").startsWith(b.code + ": "), b + ": " + header(letters.get(0), "error"));
        }
        for (String topic : List.of(PRETRAINED, FINETUNED)) {
            assertEquals(List.of(goodBefore, goodAfter).stream().sorted().toList(),
                    got.stream().filter(r -> r.topic().equals(topic)).map(r -> text(r.key())).sorted().toList(),
                    "both good reviews once each on " + topic);
        }
    }

    /** The "dlq-xxxxxxxx-name" part of a key or value: ids derived from it share it. */
    private static String tagOf(byte[] bytes) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("dlq-[0-9a-f]{8}").matcher(text(bytes));
        if (!m.find()) {
            throw new IllegalArgumentException("no tag in " + text(bytes));
        }
        return m.group();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
