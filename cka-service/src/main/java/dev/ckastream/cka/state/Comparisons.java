package dev.ckastream.cka.state;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.ckastream.cka.pair.CheckpointPair;
import dev.ckastream.contract.Side;
import dev.ckastream.contract.Topics;

/**
 * Every configured pair's {@link Comparison}, in configured order, and which of them read each activation topic
 * (and as which side: a checkpoint may be the second of one pair and the first of the next). One record of a topic
 * is offered to every comparison that reads it, in the same write, so that one snapshot of all of them is
 * consistent with one set of input offsets. Not thread-safe: {@link ComparisonStore} serialises access.
 */
public final class Comparisons {

    /** A comparison that reads a topic, and the side the topic's checkpoint is in it. */
    public record Reader(Comparison comparison, Side side) {
    }

    private final Map<CheckpointPair, Comparison> byPair = new LinkedHashMap<>();
    /** {@link #byPair}'s values, fixed at construction: read for every record, so never copied. */
    private final List<Comparison> all;
    private final Map<String, List<Reader>> byTopic = new LinkedHashMap<>();

    public Comparisons(List<Comparison> comparisons) {
        for (Comparison c : comparisons) {
            if (byPair.put(c.pair(), c) != null) {
                throw new IllegalArgumentException("pair " + c.pair() + " given twice");
            }
            for (Side side : Side.values()) {
                byTopic.computeIfAbsent(Topics.activations(c.name(side)), t -> new ArrayList<>()).add(new Reader(c, side));
            }
        }
        if (byPair.isEmpty()) {
            throw new IllegalArgumentException("no pair to compare");
        }
        this.all = List.copyOf(byPair.values());
    }

    /** Every comparison, in configured order. */
    public List<Comparison> all() {
        return all;
    }

    public Comparison of(CheckpointPair pair) {
        Comparison c = byPair.get(pair);
        if (c == null) {
            throw new IllegalArgumentException("pair " + pair + " is not configured");
        }
        return c;
    }

    /** The comparisons that read {@code topic} (empty for a topic no pair reads). */
    public List<Reader> readers(String topic) {
        return byTopic.getOrDefault(topic, List.of());
    }

    /** The activation topics read, each once. */
    public List<String> topics() {
        return List.copyOf(byTopic.keySet());
    }

    /**
     * Where to resume reading a partition: the lowest next offset among the comparisons that read its topic, or
     * empty (read from the beginning) when one of them has no record of the partition.
     */
    public Optional<Long> resumeOffset(String topic, int partition) {
        Long lowest = null;
        for (Reader r : readers(topic)) {
            Long next = r.comparison().appliedOffsets().get(topic + ":" + partition);
            if (next == null) {
                return Optional.empty();
            }
            lowest = lowest == null ? next : Math.min(lowest, next);
        }
        return Optional.ofNullable(lowest);
    }

    /** Reviews counted, summed over the pairs. */
    public long reviews() {
        return all.stream().mapToLong(Comparison::reviews).sum();
    }

    /** Labelled reviews counted, summed over the pairs. */
    public long labeled() {
        return all.stream().mapToLong(Comparison::labeled).sum();
    }

    /** Halves waiting for their other half, summed over the pairs. */
    public long pending() {
        return all.stream().mapToLong(Comparison::pending).sum();
    }

    /** Dead letters counted, summed over the pairs. */
    public long deadLetters() {
        return all.stream().mapToLong(Comparison::deadLetters).sum();
    }

    /** Co-moment folds so far in this process, summed over the pairs (for the service's meters). */
    public long folds() {
        return all.stream().mapToLong(Comparison::folds).sum();
    }

    /** Time spent in those folds, in nanoseconds. */
    public long foldNanos() {
        return all.stream().mapToLong(Comparison::foldNanos).sum();
    }

    /** Every pair's state, in configured order; taken under the store's lock (see {@link Comparison#state()}). */
    public List<Comparison.State> states() {
        return all.stream().map(Comparison::state).toList();
    }
}
