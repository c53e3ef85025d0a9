package dev.ckastream.contract;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * One review's pooled vectors from one checkpoint, as a record of {@code activations.<checkpoint>} (README
 * "Wire contract"), written by {@link #key()}, {@link #value()}, {@link #headers()} and read back by
 * {@link #decode}:
 * <ul>
 * <li>key: review id, UTF-8;</li>
 * <li>value: little-endian float32, layer-major, {@code layers × dim} values (layer 0 = embedding output);</li>
 * <li>headers (ASCII, {@link ActivationHeaders}): {@code layers}, {@code dim}, {@code tokens}, {@code label}
 * (only when known), {@code model}, {@code contract-version}.</li>
 * </ul>
 *
 * @param label 0, 1 or {@code null} when unknown
 */
public record ActivationRecord(String reviewId, int layers, int dim, int tokens, Integer label, String model,
        float[] pooled) {

    public ActivationRecord {
        if (pooled.length != layers * dim) {
            throw new IllegalArgumentException("pooled has " + pooled.length + " values, expected layers × dim = "
                    + layers + " × " + dim);
        }
    }

    public byte[] key() {
        return reviewId.getBytes(StandardCharsets.UTF_8);
    }

    /** Exact: every float, NaN payloads included, is written bit for bit. */
    public byte[] value() {
        ByteBuffer buffer = ByteBuffer.allocate(pooled.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(pooled);
        return buffer.array();
    }

    public List<Header> headers() {
        List<Header> headers = new ArrayList<>(6);
        headers.add(ascii(ActivationHeaders.LAYERS, Integer.toString(layers)));
        headers.add(ascii(ActivationHeaders.DIM, Integer.toString(dim)));
        headers.add(ascii(ActivationHeaders.TOKENS, Integer.toString(tokens)));
        if (label != null) {
            headers.add(ascii(ActivationHeaders.LABEL, Integer.toString(label)));
        }
        headers.add(ascii(ActivationHeaders.MODEL, model));
        headers.add(ascii(ActivationHeaders.CONTRACT_VERSION, Integer.toString(ContractVersion.CURRENT)));
        return headers;
    }

    /** The record as the extractor sends it to {@code activations.<checkpoint>} (partition left to the producer). */
    public ProducerRecord<byte[], byte[]> toProducerRecord(String checkpoint) {
        return new ProducerRecord<>(Topics.activations(checkpoint), null, key(), value(), headers());
    }

    /**
     * Reads and validates one record. The checks that need the checkpoint's stream so far (shape, model
     * fingerprint) are the caller's, which knows that stream.
     *
     * @throws InvalidActivation with the first rule the record breaks, in this order: contract version, key,
     *                           value, headers, payload length, finite values
     */
    public static ActivationRecord decode(byte[] key, byte[] value, Headers headers) throws InvalidActivation {
        checkVersion(header(headers, ActivationHeaders.CONTRACT_VERSION));
        if (key == null || key.length == 0) {
            throw new InvalidActivation(ActivationRejection.MISSING_KEY, "the record has no key (review id)");
        }
        String id;
        try {
            id = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(key)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidActivation(ActivationRejection.BAD_KEY, "the record key is not valid UTF-8");
        }
        if (value == null) {
            throw new InvalidActivation(ActivationRejection.MISSING_VALUE, "the record has no value (tombstone)");
        }
        int layers = positiveHeader(headers, ActivationHeaders.LAYERS);
        int dim = positiveHeader(headers, ActivationHeaders.DIM);
        int tokens = positiveHeader(headers, ActivationHeaders.TOKENS);
        String model = header(headers, ActivationHeaders.MODEL);
        if (model == null || model.isBlank()) {
            throw new InvalidActivation(ActivationRejection.MISSING_HEADER, "header \"model\" is missing");
        }
        Integer label = null;
        String labelText = header(headers, ActivationHeaders.LABEL);
        if (labelText != null) {
            if (!labelText.equals("0") && !labelText.equals("1")) {
                throw new InvalidActivation(ActivationRejection.BAD_HEADER,
                        "header \"label\" must be 0 or 1, got \"" + clip(labelText) + "\"");
            }
            label = Integer.valueOf(labelText);
        }
        long expected = (long) layers * dim * Float.BYTES;
        if (value.length != expected) {
            throw new InvalidActivation(ActivationRejection.BAD_LENGTH, "payload has " + value.length
                    + " bytes, expected layers × dim × 4 = " + layers + " × " + dim + " × 4 = " + expected);
        }
        float[] pooled = new float[layers * dim];
        ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(pooled);
        for (int i = 0; i < pooled.length; i++) {
            if (!Float.isFinite(pooled[i])) {
                throw new InvalidActivation(ActivationRejection.NON_FINITE, "value " + pooled[i] + " at layer "
                        + (i / dim) + ", dimension " + (i % dim));
            }
        }
        return new ActivationRecord(id, layers, dim, tokens, label, model, pooled);
    }

    /** No header is version 1 (README "Wire contract"); anything but a known number is refused. */
    private static void checkVersion(String text) throws InvalidActivation {
        if (text == null) {
            return;
        }
        int version;
        try {
            version = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new InvalidActivation(ActivationRejection.UNKNOWN_CONTRACT_VERSION,
                    "header \"contract-version\" is not a number: \"" + clip(text) + "\"; this reader knows 1 to "
                            + ContractVersion.CURRENT);
        }
        if (!ContractVersion.known(version)) {
            throw new InvalidActivation(ActivationRejection.UNKNOWN_CONTRACT_VERSION, "contract version " + version
                    + ", this reader knows " + ContractVersion.UNVERSIONED + " to " + ContractVersion.CURRENT);
        }
    }

    private static int positiveHeader(Headers headers, String name) throws InvalidActivation {
        String text = header(headers, name);
        if (text == null) {
            throw new InvalidActivation(ActivationRejection.MISSING_HEADER, "header \"" + name + "\" is missing");
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value <= 0) {
                throw new InvalidActivation(ActivationRejection.BAD_HEADER,
                        "header \"" + name + "\" must be positive, got " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new InvalidActivation(ActivationRejection.BAD_HEADER,
                    "header \"" + name + "\" is not a number: \"" + clip(text) + "\"");
        }
    }

    private static String header(Headers headers, String name) {
        Header header = headers == null ? null : headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.US_ASCII);
    }

    private static Header ascii(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.US_ASCII));
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
