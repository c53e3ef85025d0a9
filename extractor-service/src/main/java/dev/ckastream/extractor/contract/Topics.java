package dev.ckastream.extractor.contract;

/**
 * Topic names of the wire contract (README, "Wire contract"). Version 1.
 */
public final class Topics {

    /** Reviews in: key = review id (UTF-8), value = JSON {"id", "text", "label"?}. */
    public static final String REVIEWS = "reviews";
    /** Reviews that break the contract, with the original key and value and an {@code error} header. */
    public static final String REVIEWS_DLQ = "reviews.dlq";
    /** Prefix of the per-checkpoint output topics: {@code activations.<checkpoint>}. */
    public static final String ACTIVATIONS_PREFIX = "activations.";

    private Topics() {
    }

    public static String activations(String checkpoint) {
        return ACTIVATIONS_PREFIX + checkpoint;
    }
}
