package dev.ckastream.extractor.batch;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Splits work into inference micro-batches by token budget with length bucketing: items are sorted by
 * length, then cut so that each batch's padded size ({@code batch size × longest item}) stays within the
 * budget and its size within {@code maxItems}. Sorting first keeps padding small, since a batch is padded
 * to its longest review.
 */
public final class MicroBatcher {

    private final int tokenBudget;
    private final int maxItems;

    public MicroBatcher(int tokenBudget, int maxItems) {
        if (tokenBudget < 1 || maxItems < 1) {
            throw new IllegalArgumentException("token budget and max items must be positive");
        }
        this.tokenBudget = tokenBudget;
        this.maxItems = maxItems;
    }

    /** Returns the batches, shortest items first; every item appears in exactly one batch. */
    public <T> List<List<T>> split(List<T> items, ToIntFunction<T> length) {
        List<T> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparingInt(length));
        List<List<T>> batches = new ArrayList<>();
        List<T> current = new ArrayList<>();
        for (T item : sorted) {
            int longest = length.applyAsInt(item); // sorted ascending: the newcomer is the longest
            if (!current.isEmpty() && ((long) (current.size() + 1) * longest > tokenBudget || current.size() == maxItems)) {
                batches.add(current);
                current = new ArrayList<>();
            }
            current.add(item);
        }
        if (!current.isEmpty()) {
            batches.add(current);
        }
        return batches;
    }
}
