package dev.ckastream.contract;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A review of the input contract: topic {@code reviews}, key = id (UTF-8), value = UTF-8 JSON
 * {@code {"id": string, "text": string, "label": 0|1 (optional)}}; unknown fields are ignored. Read by
 * {@link #fromRecord} and {@link #fromJson}, written by {@link #keyBytes()} and {@link #toJsonBytes()}.
 *
 * @param id    unique id (the record key)
 * @param text  the review text
 * @param label 0, 1, or {@code null} when unknown
 */
public record Review(String id, String text, Integer label) {

    public Review {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(text, "text");
        if (label != null && label != 0 && label != 1) {
            throw new IllegalArgumentException("label must be 0, 1 or null, got " + label);
        }
    }

    /** Strict about trailing content: {@code {...} {...}} (e.g. two JSONL lines) is not one review. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /**
     * Parses and validates a Kafka record of the {@code reviews} topic.
     *
     * @param key      record key bytes (may be null)
     * @param value    record value bytes (may be null)
     * @param maxChars longest text accepted, in characters
     */
    public static Review fromRecord(byte[] key, byte[] value, int maxChars) throws InvalidReview {
        if (value == null) {
            throw new InvalidReview(ReviewRejection.NULL_VALUE, "the record has no value (tombstone)");
        }
        Review review = fromJson(decodeUtf8(value, "value"), maxChars);
        String keyText = key == null ? null : decodeUtf8(key, "key");
        if (!review.id.equals(keyText)) {
            throw new InvalidReview(ReviewRejection.KEY_MISMATCH, "record key "
                    + (keyText == null ? "is missing" : quote(keyText)) + " but id is " + quote(review.id));
        }
        return review;
    }

    /** Parses and validates one review in JSON (HTTP ingestion and the record value). */
    public static Review fromJson(String json, int maxChars) throws InvalidReview {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidReview(ReviewRejection.NOT_JSON, e.getOriginalMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw new InvalidReview(ReviewRejection.NOT_JSON, "empty document");
        }
        if (!node.isObject()) {
            throw new InvalidReview(ReviewRejection.NOT_AN_OBJECT, "expected a JSON object, got " + node.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        JsonNode id = node.get("id");
        if (id == null || id.isNull() || !id.isTextual() || id.asText().isEmpty()) {
            throw new InvalidReview(ReviewRejection.MISSING_ID, id == null || id.isNull() ? "no \"id\"" :
                    id.isTextual() ? "\"id\" is empty" : "\"id\" must be a string, got " + id.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        JsonNode text = node.get("text");
        if (text == null || text.isNull() || !text.isTextual() || text.asText().isEmpty()) {
            throw new InvalidReview(ReviewRejection.MISSING_TEXT, text == null || text.isNull() ? "no \"text\"" :
                    text.isTextual() ? "\"text\" is empty" : "\"text\" must be a string, got " + text.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        String content = text.asText();
        if (content.length() > maxChars && content.codePointCount(0, content.length()) > maxChars) {
            throw new InvalidReview(ReviewRejection.TEXT_TOO_LONG, "text has " + content.codePointCount(0, content.length())
                    + " characters, more than max-chars " + maxChars);
        }
        JsonNode label = node.get("label");
        Integer labelValue = null;
        if (label != null && !label.isNull()) {
            if (!label.isIntegralNumber() || (label.asLong() != 0 && label.asLong() != 1)) {
                throw new InvalidReview(ReviewRejection.BAD_LABEL, "\"label\" must be 0 or 1 (or absent), got " + label);
            }
            labelValue = label.asInt();
        }
        return new Review(id.asText(), text.asText(), labelValue);
    }

    public byte[] keyBytes() {
        return id.getBytes(StandardCharsets.UTF_8);
    }

    /** The canonical JSON value of this review: {@code id}, {@code text}, then {@code label} unless unknown. */
    public byte[] toJsonBytes() {
        var node = JSON.createObjectNode().put("id", id).put("text", text);
        if (label != null) {
            node.put("label", label);
        }
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String decodeUtf8(byte[] bytes, String what) throws InvalidReview {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidReview(ReviewRejection.INVALID_UTF8, "the record " + what + " is not valid UTF-8 ("
                    + e.getClass().getSimpleName() + " in " + bytes.length + " bytes, starting "
                    + Arrays.toString(Arrays.copyOf(bytes, Math.min(8, bytes.length))) + ")");
        }
    }

    private static String quote(String s) {
        return "\"" + (s.length() > 80 ? s.substring(0, 80) + "..." : s) + "\"";
    }
}
