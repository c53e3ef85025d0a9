package dev.ckastream.cka.contract;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import dev.ckastream.contract.Side;

/**
 * Reads and validates records of {@code activations.<checkpoint>} (wire contract version 1): key = review id
 * (UTF-8); value = little-endian float32, layer-major, {@code layers × dim}; ASCII headers {@code layers},
 * {@code dim}, {@code tokens}, {@code label} (optional, 0 or 1), {@code model}. Consistency with the
 * checkpoint's stream so far (shape, model fingerprint) is checked by the caller, which knows that stream.
 */
public final class ActivationDecoder {

    private ActivationDecoder() {
    }

    public static PooledHalf decode(Side side, byte[] key, byte[] value, Headers headers) throws BadActivation {
        if (key == null || key.length == 0) {
            throw new BadActivation("missing-key", "the record has no key (review id)");
        }
        String id;
        try {
            id = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(key)).toString();
        } catch (CharacterCodingException e) {
            throw new BadActivation("bad-key", "the record key is not valid UTF-8");
        }
        if (value == null) {
            throw new BadActivation("missing-value", "the record has no value (tombstone)");
        }
        int layers = positiveHeader(headers, "layers");
        int dim = positiveHeader(headers, "dim");
        int tokens = positiveHeader(headers, "tokens");
        String model = header(headers, "model");
        if (model == null || model.isBlank()) {
            throw new BadActivation("missing-header", "header \"model\" is missing");
        }
        Integer label = null;
        String labelText = header(headers, "label");
        if (labelText != null) {
            if (!labelText.equals("0") && !labelText.equals("1")) {
                throw new BadActivation("bad-header", "header \"label\" must be 0 or 1, got \"" + clip(labelText) + "\"");
            }
            label = Integer.valueOf(labelText);
        }
        long expected = (long) layers * dim * Float.BYTES;
        if (value.length != expected) {
            throw new BadActivation("bad-length", "payload has " + value.length + " bytes, expected layers × dim × 4 = "
                    + layers + " × " + dim + " × 4 = " + expected);
        }
        float[] pooled = new float[layers * dim];
        ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(pooled);
        for (int i = 0; i < pooled.length; i++) {
            if (!Float.isFinite(pooled[i])) {
                throw new BadActivation("non-finite", "value " + pooled[i] + " at layer " + (i / dim) + ", dimension "
                        + (i % dim));
            }
        }
        return new PooledHalf(id, side, layers, dim, tokens, label, model, pooled);
    }

    private static int positiveHeader(Headers headers, String name) throws BadActivation {
        String text = header(headers, name);
        if (text == null) {
            throw new BadActivation("missing-header", "header \"" + name + "\" is missing");
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value <= 0) {
                throw new BadActivation("bad-header", "header \"" + name + "\" must be positive, got " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new BadActivation("bad-header", "header \"" + name + "\" is not a number: \"" + clip(text) + "\"");
        }
    }

    private static String header(Headers headers, String name) {
        Header header = headers == null ? null : headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.US_ASCII);
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
