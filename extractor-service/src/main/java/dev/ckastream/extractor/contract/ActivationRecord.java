package dev.ckastream.extractor.contract;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * One review's pooled vectors from one checkpoint, as written to {@code activations.<checkpoint>}
 * (wire contract version 1, README "Wire contract"):
 * <ul>
 * <li>key: review id, UTF-8;</li>
 * <li>value: little-endian float32, layer-major, {@code layers × dim} values (layer 0 = embedding output);</li>
 * <li>headers (ASCII): {@code layers}, {@code dim}, {@code tokens} (tokens used after truncation),
 * {@code label} (only when known), {@code model} (first 16 hex digits of the ONNX file's SHA-256).</li>
 * </ul>
 */
public record ActivationRecord(String reviewId, int layers, int dim, int tokens, Integer label, String model,
        float[] pooled) {

    public static final String HEADER_LAYERS = "layers";
    public static final String HEADER_DIM = "dim";
    public static final String HEADER_TOKENS = "tokens";
    public static final String HEADER_LABEL = "label";
    public static final String HEADER_MODEL = "model";

    public ActivationRecord {
        if (pooled.length != layers * dim) {
            throw new IllegalArgumentException("pooled has " + pooled.length + " values, expected layers × dim = "
                    + layers + " × " + dim);
        }
    }

    public byte[] key() {
        return reviewId.getBytes(StandardCharsets.UTF_8);
    }

    public byte[] value() {
        ByteBuffer buffer = ByteBuffer.allocate(pooled.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(pooled);
        return buffer.array();
    }

    public List<Header> headers() {
        List<Header> headers = new ArrayList<>(5);
        headers.add(ascii(HEADER_LAYERS, Integer.toString(layers)));
        headers.add(ascii(HEADER_DIM, Integer.toString(dim)));
        headers.add(ascii(HEADER_TOKENS, Integer.toString(tokens)));
        if (label != null) {
            headers.add(ascii(HEADER_LABEL, Integer.toString(label)));
        }
        headers.add(ascii(HEADER_MODEL, model));
        return headers;
    }

    /** Decodes a value written by {@link #value()} (for tests and offline tools). */
    public static float[] decodeValue(byte[] value) {
        float[] floats = new float[value.length / Float.BYTES];
        ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(floats);
        return floats;
    }

    private static Header ascii(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.US_ASCII));
    }
}
