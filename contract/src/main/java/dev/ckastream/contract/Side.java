package dev.ckastream.contract;

/**
 * The two checkpoints of a compared pair: {@link #FIRST} (rows of the cross-layer matrix, e.g. the
 * pretrained model) and {@link #SECOND} (columns, e.g. the fine-tuned model). One word for the concept in
 * configuration, math, state and the UI.
 */
public enum Side {
    FIRST,
    SECOND;

    /** The other checkpoint of the pair. */
    public Side other() {
        return this == FIRST ? SECOND : FIRST;
    }

    /** The lower-case word used in configuration and JSON ({@code first}, {@code second}). */
    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
