package dev.ckastream.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/** The activation record as the extractor writes it, checked byte by byte. */
class ActivationRecordTest {

    private static float[] distinct(int layers, int dim) {
        float[] v = new float[layers * dim];
        for (int l = 0; l < layers; l++) {
            for (int d = 0; d < dim; d++) {
                v[l * dim + d] = l * 1000 + d + 0.25f * (d % 3) - (l == 1 ? 5000 : 0);
            }
        }
        return v;
    }

    private static Map<String, String> headers(ActivationRecord r) {
        Map<String, String> h = new LinkedHashMap<>();
        for (Header header : r.headers()) {
            String previous = h.put(header.key(), new String(header.value(), StandardCharsets.US_ASCII));
            assertEquals(null, previous, "header " + header.key() + " repeated");
        }
        return h;
    }

    @Test
    void valueIsLittleEndianFloat32LayerMajor() {
        int layers = 3, dim = 4;
        float[] pooled = distinct(layers, dim);
        pooled[5] = Float.NaN;
        pooled[6] = -0.0f;
        pooled[7] = Float.MIN_VALUE;
        byte[] value = new ActivationRecord("r", layers, dim, 7, 1, "0123456789abcdef", pooled).value();
        assertEquals(layers * dim * 4, value.length);
        for (int l = 0; l < layers; l++) {
            for (int d = 0; d < dim; d++) {
                int offset = (l * dim + d) * 4;
                int bits = (value[offset] & 0xFF) | (value[offset + 1] & 0xFF) << 8 | (value[offset + 2] & 0xFF) << 16
                        | (value[offset + 3] & 0xFF) << 24;
                assertEquals(Float.floatToRawIntBits(pooled[l * dim + d]), bits, "layer " + l + " dim " + d);
            }
        }
        // A known pattern: 1.0f is 0x3F800000, little-endian 00 00 80 3F.
        byte[] one = new ActivationRecord("r", 1, 2, 1, null, "m", new float[] { 1.0f, -2.0f }).value();
        assertArrayEquals(new byte[] { 0, 0, (byte) 0x80, 0x3F, 0, 0, 0, (byte) 0xC0 }, one);
    }


    @Test
    void headersWithLabel() {
        ActivationRecord r = new ActivationRecord("rev-1", 13, 384, 42, 0, "0123456789abcdef", new float[13 * 384]);
        assertEquals(Map.of("layers", "13", "dim", "384", "tokens", "42", "label", "0", "model", "0123456789abcdef",
                "contract-version", "2"), headers(r));
        assertEquals(List.of("layers", "dim", "tokens", "label", "model", "contract-version"),
                List.copyOf(headers(r).keySet()));
    }

    @Test
    void noLabelHeaderWhenUnknown() {
        ActivationRecord r = new ActivationRecord("rev-2", 2, 2, 512, null, "fedcba9876543210", new float[4]);
        assertEquals(Map.of("layers", "2", "dim", "2", "tokens", "512", "model", "fedcba9876543210",
                "contract-version", "2"), headers(r));
        assertEquals("1", headers(new ActivationRecord("x", 1, 1, 1, 1, "m", new float[1])).get("label"));
    }

    @Test
    void keyIsTheIdInUtf8() {
        String id = "ünïcödé-日本-🎬";
        assertArrayEquals(id.getBytes(StandardCharsets.UTF_8),
                new ActivationRecord(id, 1, 1, 1, null, "m", new float[1]).key());
    }

    @Test
    void pooledMustHaveLayersTimesDimValues() {
        assertThrows(IllegalArgumentException.class, () -> new ActivationRecord("r", 13, 384, 1, null, "m", new float[384]));
        assertThrows(IllegalArgumentException.class, () -> new ActivationRecord("r", 2, 3, 1, null, "m", new float[7]));
    }
}
