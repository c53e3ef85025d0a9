package dev.ckastream.contract;

/**
 * Why a record of {@code reviews} went to {@code reviews.dlq}: the stable code (the {@code error.reason}
 * header, the start of the {@code error} header, the metrics tag) and what it means. README's bad-input
 * table lists exactly these codes.
 */
public enum ReviewRejection {
    NULL_VALUE("null-value", "the record has no value (tombstone)"),
    INVALID_UTF8("invalid-utf8", "the key or value is not valid UTF-8"),
    NOT_JSON("not-json", "the value is not one JSON document"),
    NOT_AN_OBJECT("not-an-object", "the value is JSON but not an object"),
    MISSING_ID("missing-id", "\"id\" is missing, empty or not a string"),
    MISSING_TEXT("missing-text", "\"text\" is missing, empty or not a string"),
    BAD_LABEL("bad-label", "\"label\" is present but not 0 or 1"),
    KEY_MISMATCH("key-mismatch", "the record key is missing or differs from \"id\""),
    TEXT_TOO_LONG("text-too-long", "the text is longer than extractor.max-chars"),
    TOKENIZER_FAILED("tokenizer-failed", "a checkpoint's tokenizer failed on the text; neither half was published"),
    INFERENCE_FAILED("inference-failed", "a checkpoint failed to run on the review; neither half was published");

    private final String code;
    private final String meaning;

    ReviewRejection(String code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public String code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }
}
