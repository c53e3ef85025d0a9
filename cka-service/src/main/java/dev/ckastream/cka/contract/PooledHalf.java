package dev.ckastream.cka.contract;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import dev.ckastream.contract.Side;

/**
 * One valid activation record: a review's pooled vectors from one checkpoint.
 *
 * @param side   which checkpoint's half
 * @param pooled layer-major, {@code layers × dim} values, all finite
 * @param label  0, 1 or {@code null}
 */
public record PooledHalf(String reviewId, Side side, int layers, int dim, int tokens, Integer label, String model,
        float[] pooled) {

    /** The record key, as on the wire. */
    public byte[] keyBytes() {
        return reviewId.getBytes(StandardCharsets.UTF_8);
    }

    /** The record value, as on the wire (exact: finite floats round-trip bit for bit). */
    public byte[] valueBytes() {
        ByteBuffer buffer = ByteBuffer.allocate(pooled.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(pooled);
        return buffer.array();
    }

    /** The record headers, as on the wire. */
    public Headers headers() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("layers", ascii(layers));
        headers.add("dim", ascii(dim));
        headers.add("tokens", ascii(tokens));
        if (label != null) {
            headers.add("label", ascii(label));
        }
        headers.add("model", model.getBytes(StandardCharsets.US_ASCII));
        return headers;
    }

    private static byte[] ascii(int value) {
        return Integer.toString(value).getBytes(StandardCharsets.US_ASCII);
    }
}
