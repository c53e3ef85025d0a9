package dev.ckastream.deploy.feed;

import java.util.Objects;

/**
 * One review as it travels on the {@code reviews} topic.
 *
 * @param id    unique, deterministic id (becomes the record key)
 * @param text  the review text, as published (IMDB's {@code <br />} markup included)
 * @param label 1 positive, 0 negative, {@code null} when the source has no label
 */
public record Review(String id, String text, Integer label) {
    public Review {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(text, "text");
        if (label != null && label != 0 && label != 1) {
            throw new IllegalArgumentException("label must be 0, 1 or null, got " + label);
        }
    }
}
