package dev.ckastream.cka.pair;

import java.util.List;

import dev.ckastream.contract.Side;
import dev.ckastream.contract.Topics;

/**
 * Two checkpoints compared with each other: {@code first}'s layers are the rows of the CKA matrix, {@code second}'s
 * the columns. Its scores are keyed {@code <first>~<second>} ({@link Topics#scoresKey}) on {@code cka.scores},
 * and {@code ?pair=} names it the same way over HTTP.
 */
public record CheckpointPair(String first, String second) {

    public CheckpointPair {
        if (first.equals(second)) {
            throw new IllegalArgumentException("a pair compares two different checkpoints, not " + first + " with itself");
        }
    }

    /** {@code <first>~<second>}, as on {@code cka.scores} and in {@code ?pair=}. */
    public String key() {
        return Topics.scoresKey(first, second);
    }

    /** The checkpoint name of a side. */
    public String name(Side side) {
        return side == Side.FIRST ? first : second;
    }

    /** Both checkpoints' activation topics, first then second. */
    public List<String> topics() {
        return List.of(Topics.activations(first), Topics.activations(second));
    }

    @Override
    public String toString() {
        return key();
    }
}
