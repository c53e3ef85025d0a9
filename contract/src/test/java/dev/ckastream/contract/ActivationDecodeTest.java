package dev.ckastream.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * The activation record from writer to reader: what the extractor sends ({@link ActivationRecord#toProducerRecord})
 * is what cka-service decodes ({@link ActivationRecord#decode}), and every way a record can break the contract
 * is refused with its reason.
 */
class ActivationDecodeTest {

    private static final int LAYERS = 3;
    private static final int DIM = 5;

    private static float[] awkwardFloats() {
        float[] v = new float[LAYERS * DIM];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.scalb(1.0 + i / 7.0, i - 7) * (i % 2 == 0 ? 1 : -1);
        }
        v[3] = -0.0f;
        v[4] = Float.MIN_VALUE; // subnormal
        v[5] = Float.MAX_VALUE;
        v[6] = -Float.MIN_NORMAL;
        v[7] = Float.intBitsToFloat(0x3F800001); // one ulp above 1
        return v;
    }

    private static ActivationRecord sample(Integer label) {
        return new ActivationRecord("rev-ünï-🎬", LAYERS, DIM, 17, label, "0123456789abcdef", awkwardFloats());
    }

    @Test
    void whatTheExtractorSendsIsWhatCkaReadsBitForBit() throws InvalidActivation {
        for (Integer label : new Integer[] { null, 0, 1 }) {
            ActivationRecord sent = sample(label);
            ProducerRecord<byte[], byte[]> wire = sent.toProducerRecord("pretrained");
            assertEquals("activations.pretrained", wire.topic());
            assertNull(wire.partition(), "the producer picks the partition from the key");

            ActivationRecord got = ActivationRecord.decode(wire.key(), wire.value(), wire.headers());
            assertEquals(sent.reviewId(), got.reviewId());
            assertEquals(LAYERS, got.layers());
            assertEquals(DIM, got.dim());
            assertEquals(17, got.tokens());
            assertEquals(label, got.label());
            assertEquals("0123456789abcdef", got.model());
            assertEquals(sent.pooled().length, got.pooled().length);
            for (int i = 0; i < sent.pooled().length; i++) {
                assertEquals(Float.floatToRawIntBits(sent.pooled()[i]), Float.floatToRawIntBits(got.pooled()[i]),
                        "value " + i);
            }
            Map<String, String> headers = ascii(wire.headers());
            assertEquals(Integer.toString(ContractVersion.CURRENT), headers.get(ActivationHeaders.CONTRACT_VERSION));
            assertEquals(label == null ? 6 - 1 : 6, headers.size(), "every header once: " + headers);
            // Re-encoding the decoded record (cka-service does so to dead-letter an evicted half) gives the same bytes.
            ProducerRecord<byte[], byte[]> again = got.toProducerRecord("pretrained");
            assertArrayEquals(wire.key(), again.key());
            assertArrayEquals(wire.value(), again.value());
            assertEquals(headers, ascii(again.headers()));
        }
    }

    @Test
    void aRecordWithoutContractVersionIsVersionOneAndRead() throws InvalidActivation {
        ProducerRecord<byte[], byte[]> wire = sample(1).toProducerRecord("x");
        ActivationRecord got = ActivationRecord.decode(wire.key(), wire.value(),
                without(wire.headers(), ActivationHeaders.CONTRACT_VERSION));
        assertEquals(1, got.label());
        assertArrayEquals(wire.value(), got.value());
        Headers explicitOne = with(wire.headers(), ActivationHeaders.CONTRACT_VERSION, "1");
        assertEquals("rev-ünï-🎬", ActivationRecord.decode(wire.key(), wire.value(), explicitOne).reviewId());
    }

    @Test
    void unknownContractVersionsAreRefusedBeforeAnythingElse() {
        ProducerRecord<byte[], byte[]> wire = sample(null).toProducerRecord("x");
        for (String version : new String[] { "3", "0", "-1", "two", "", "2.0" }) {
            InvalidActivation e = rejected(null, null, with(wire.headers(), ActivationHeaders.CONTRACT_VERSION, version),
                    ActivationRejection.UNKNOWN_CONTRACT_VERSION);
            assertTrue(e.detail().contains("1 to " + ContractVersion.CURRENT), e.getMessage());
        }
    }

    @Test
    void keyRules() {
        ProducerRecord<byte[], byte[]> wire = sample(null).toProducerRecord("x");
        rejected(null, wire.value(), wire.headers(), ActivationRejection.MISSING_KEY);
        rejected(new byte[0], wire.value(), wire.headers(), ActivationRejection.MISSING_KEY);
        rejected(new byte[] { 'k', (byte) 0xFF }, wire.value(), wire.headers(), ActivationRejection.BAD_KEY);
        rejected(new byte[] { (byte) 0xED, (byte) 0xA0, (byte) 0x80 }, wire.value(), wire.headers(),
                ActivationRejection.BAD_KEY);
    }

    @Test
    void tombstone() {
        ProducerRecord<byte[], byte[]> wire = sample(null).toProducerRecord("x");
        rejected(wire.key(), null, wire.headers(), ActivationRejection.MISSING_VALUE);
    }

    @Test
    void headerRules() {
        ProducerRecord<byte[], byte[]> wire = sample(1).toProducerRecord("x");
        for (String name : new String[] { ActivationHeaders.LAYERS, ActivationHeaders.DIM, ActivationHeaders.TOKENS,
                ActivationHeaders.MODEL }) {
            InvalidActivation e = rejected(wire.key(), wire.value(), without(wire.headers(), name),
                    ActivationRejection.MISSING_HEADER);
            assertTrue(e.detail().contains("\"" + name + "\""), e.getMessage());
        }
        rejected(wire.key(), wire.value(), null, ActivationRejection.MISSING_HEADER);
        rejected(wire.key(), wire.value(), with(wire.headers(), ActivationHeaders.MODEL, " "),
                ActivationRejection.MISSING_HEADER);
        for (String name : new String[] { ActivationHeaders.LAYERS, ActivationHeaders.DIM, ActivationHeaders.TOKENS }) {
            for (String bad : new String[] { "three", "0", "-3", "", "1e3", "99999999999" }) {
                InvalidActivation e = rejected(wire.key(), wire.value(), with(wire.headers(), name, bad),
                        ActivationRejection.BAD_HEADER);
                assertTrue(e.detail().contains("\"" + name + "\""), e.getMessage());
            }
        }
        for (String label : new String[] { "yes", "2", "-1", "01", "" }) {
            rejected(wire.key(), wire.value(), with(wire.headers(), ActivationHeaders.LABEL, label),
                    ActivationRejection.BAD_HEADER);
        }
    }

    @Test
    void payloadLength() {
        ProducerRecord<byte[], byte[]> wire = sample(null).toProducerRecord("x");
        byte[] value = wire.value();
        for (int length : new int[] { 0, value.length - 1, value.length - 4, value.length + 4 }) {
            byte[] other = java.util.Arrays.copyOf(value, length);
            InvalidActivation e = rejected(wire.key(), other, wire.headers(), ActivationRejection.BAD_LENGTH);
            assertTrue(e.detail().contains(length + " bytes") && e.detail().contains("= " + value.length),
                    e.getMessage());
        }
    }

    @Test
    void nonFiniteValuesNameTheirPlace() {
        ProducerRecord<byte[], byte[]> wire = sample(null).toProducerRecord("x");
        for (float bad : new float[] { Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.intBitsToFloat(0x7FC00001) }) {
            byte[] value = wire.value().clone();
            ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).putFloat((2 * DIM + 3) * Float.BYTES, bad);
            InvalidActivation e = rejected(wire.key(), value, wire.headers(), ActivationRejection.NON_FINITE);
            assertTrue(e.detail().contains("layer 2, dimension 3"), e.getMessage());
        }
    }

    @Test
    void theMessageIsTheCodeThenTheDetail() {
        InvalidActivation e = new InvalidActivation(ActivationRejection.DUPLICATE, "review r was already counted");
        assertEquals("duplicate: review r was already counted", e.getMessage());
        assertEquals(ActivationRejection.DUPLICATE, e.reason());
        assertEquals("review r was already counted", e.detail());
    }

    private static InvalidActivation rejected(byte[] key, byte[] value, Headers headers, ActivationRejection reason) {
        InvalidActivation e = assertThrows(InvalidActivation.class, () -> ActivationRecord.decode(key, value, headers),
                reason.code());
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().startsWith(reason.code() + ": ") && !e.detail().isBlank(), e.getMessage());
        return e;
    }

    private static Map<String, String> ascii(Headers headers) {
        Map<String, String> map = new LinkedHashMap<>();
        for (Header h : headers) {
            assertNull(map.put(h.key(), new String(h.value(), StandardCharsets.US_ASCII)), "repeated " + h.key());
        }
        return map;
    }

    private static Headers without(Headers original, String name) {
        return copy(original, h -> h.remove(name));
    }

    private static Headers with(Headers original, String name, String value) {
        return copy(original, h -> h.remove(name).add(name, value.getBytes(StandardCharsets.US_ASCII)));
    }

    private static Headers copy(Headers original, Consumer<Headers> change) {
        RecordHeaders copy = new RecordHeaders();
        original.forEach(copy::add);
        change.accept(copy);
        return copy;
    }
}
