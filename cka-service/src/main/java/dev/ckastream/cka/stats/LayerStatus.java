package dev.ckastream.cka.stats;

/**
 * What happened to a layer, read from the confidence interval of its debiased diagonal CKA (see
 * {@link LayerStatusRule}). Replaces the point-estimate statuses of {@code dev.ckastream.cka.score.LayerStatus}.
 */
public enum LayerStatus {
    /** Lower bound at or above the untouched threshold. */
    UNTOUCHED("untouched"),
    /** Interval between the refined and untouched thresholds. */
    REFINED("refined"),
    /** Upper bound below the refined threshold. */
    REWRITTEN("rewritten"),
    /** The interval straddles a threshold: more reviews are needed to tell. */
    SETTLING("settling"),
    /** No interval yet (too few reviews, or an undefined CKA). */
    UNKNOWN("unknown");

    private final String wireName;

    LayerStatus(String wireName) {
        this.wireName = wireName;
    }

    /** The name the score JSON and the dashboard carry. */
    public String wireName() {
        return wireName;
    }

    /** True for the statuses that still wait for reviews ({@code settling}, {@code unknown}). */
    public boolean open() {
        return this == SETTLING || this == UNKNOWN;
    }
}
