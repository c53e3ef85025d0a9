package dev.ckastream.contract;

/** Topic names and the score record key of the wire contract (README, "Wire contract"). */
public final class Topics {

    /** Reviews in: key = review id (UTF-8), value = the review JSON ({@link Review}). */
    public static final String REVIEWS = "reviews";
    /** Reviews that break the contract or fail to extract, with the original key and value ({@link DeadLetterHeaders}). */
    public static final String REVIEWS_DLQ = "reviews.dlq";
    /** Prefix of the per-checkpoint activation topics: {@code activations.<checkpoint>}. */
    public static final String ACTIVATIONS_PREFIX = "activations.";
    /** Activation records that break the contract, or halves evicted from the join ({@link DeadLetterHeaders}). */
    public static final String ACTIVATIONS_DLQ = "activations.dlq";
    /** Score records ({@link ScoreReport}), key {@link #scoresKey}, compacted. */
    public static final String SCORES = "cka.scores";

    private Topics() {
    }

    /** The activation topic of a checkpoint. */
    public static String activations(String checkpoint) {
        return ACTIVATIONS_PREFIX + checkpoint;
    }

    /** The key of a pair's score records: {@code <first>~<second>}. */
    public static String scoresKey(String first, String second) {
        return first + "~" + second;
    }
}
