package dev.ckastream.contract;

/**
 * Why a record of {@code activations.<checkpoint>} went to {@code activations.dlq}: the stable code (the
 * {@code error.reason} header, the start of the {@code error} header, the metrics tag) and what it means.
 * README's bad-input table lists exactly these codes.
 */
public enum ActivationRejection {
    MISSING_KEY("missing-key", "the record has no key (review id)"),
    BAD_KEY("bad-key", "the record key is not valid UTF-8"),
    MISSING_VALUE("missing-value", "the record has no value (tombstone)"),
    MISSING_HEADER("missing-header", "a required header (layers, dim, tokens, model) is missing"),
    BAD_HEADER("bad-header", "a header is not a positive number, or label is not 0/1"),
    UNKNOWN_CONTRACT_VERSION("unknown-contract-version", "the contract-version header is not a version this reader knows (1 or 2; no header means 1)"),
    BAD_LENGTH("bad-length", "the payload is not layers x dim x 4 bytes"),
    NON_FINITE("non-finite", "the payload holds NaN or an infinity"),
    SHAPE_MISMATCH("shape-mismatch", "layers x dim differ from the checkpoint's stream so far"),
    MODEL_MISMATCH("model-mismatch", "the model fingerprint differs from the checkpoint's stream so far"),
    UNKNOWN_TOPIC("unknown-topic", "the record came from a topic that is not one of the compared checkpoints'"),
    DUPLICATE("duplicate", "a half for a review id already counted (redelivery or a re-sent review)"),
    LABEL_MISMATCH("label-mismatch", "both halves carry a label and they differ: the review is counted with the first checkpoint's label, the second checkpoint's half is dead-lettered as a record of the disagreement"),
    JOIN_TIMEOUT("join-timeout", "the other half did not arrive within cka.join.max-age"),
    JOIN_OVERFLOW("join-overflow", "the pending halves exceeded cka.join.max-pending; the oldest was evicted");

    private final String code;
    private final String meaning;

    ActivationRejection(String code, String meaning) {
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
