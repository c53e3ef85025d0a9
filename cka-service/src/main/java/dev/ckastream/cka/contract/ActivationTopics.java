package dev.ckastream.cka.contract;

/** Topic names of the wire contract (README, "Wire contract"), version 1. */
public final class ActivationTopics {

    public static final String ACTIVATIONS_PREFIX = "activations.";
    /** Activation records that break the contract, or halves evicted from the join, with an {@code error} header. */
    public static final String DLQ = "activations.dlq";
    /** Score records, key {@code <first>~<second>}, compacted. */
    public static final String SCORES = "cka.scores";

    private ActivationTopics() {
    }

    public static String activations(String checkpoint) {
        return ACTIVATIONS_PREFIX + checkpoint;
    }

    public static String scoresKey(String first, String second) {
        return first + "~" + second;
    }
}
