package dev.ckastream.extractor.batch;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Splits work into inference micro-batches by token budget with length bucketing. Items are sorted by length
 * (stable), then cut into consecutive runs so that each batch's padded size ({@code batch size × longest item})
 * stays within the budget and its size within {@code maxItems}.
 *
 * <p>Where to cut is chosen by dynamic programming, not greedily: among all splits of the sorted order that
 * respect both limits, the one with the fewest padded tokens plus {@code callOverheadTokens} per batch (the
 * fixed cost of one inference call, expressed in tokens). Filling each batch to the budget, as a greedy cut
 * does, puts short reviews next to long ones and pays for their padding; a call per distinct length pays the
 * call overhead instead, and very small batches run slower per token. How many tokens a call is worth depends
 * on the machine and the checkpoints; measurements of the default are in README, "Benchmarks".
 * Cost: O(items × maxItems) per split.
 */
public final class MicroBatcher {

    private final int tokenBudget;
    private final int maxItems;
    private final int callOverheadTokens;

    public MicroBatcher(int tokenBudget, int maxItems, int callOverheadTokens) {
        if (tokenBudget < 1 || maxItems < 1) {
            throw new IllegalArgumentException("token budget and max items must be positive");
        }
        if (callOverheadTokens < 0) {
            throw new IllegalArgumentException("the call overhead must not be negative");
        }
        this.tokenBudget = tokenBudget;
        this.maxItems = maxItems;
        this.callOverheadTokens = callOverheadTokens;
    }

    /** Returns the batches, shortest items first; every item appears in exactly one batch. */
    public <T> List<List<T>> split(List<T> items, ToIntFunction<T> length) {
        List<T> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparingInt(length));
        int n = sorted.size();
        long[] lengths = new long[n];
        for (int i = 0; i < n; i++) {
            lengths[i] = length.applyAsInt(sorted.get(i));
        }
        // cost[i]: the cheapest split of the items from i on; end[i]: where the first batch of that split ends.
        // Solved from the back so that, between equally cheap splits, the earlier batches are the fuller ones.
        long[] cost = new long[n + 1];
        int[] end = new int[n + 1];
        for (int i = n - 1; i >= 0; i--) {
            cost[i] = Long.MAX_VALUE;
            for (int size = 1; size <= Math.min(maxItems, n - i); size++) {
                long padded = size * lengths[i + size - 1]; // sorted ascending: the last item is the longest
                if (size > 1 && padded > tokenBudget) {
                    break; // larger batches from here only pad more
                }
                long candidate = padded + callOverheadTokens + cost[i + size];
                if (candidate <= cost[i]) { // on a tie, the larger batch
                    cost[i] = candidate;
                    end[i] = i + size;
                }
            }
        }
        List<List<T>> batches = new ArrayList<>();
        for (int from = 0; from < n; from = end[from]) {
            batches.add(new ArrayList<>(sorted.subList(from, end[from])));
        }
        return batches;
    }
}
