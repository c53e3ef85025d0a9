package dev.ckastream.extractor.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

class MicroBatcherTest {

    /** A work item; identity matters (equal lengths must still come out once each). */
    static final class Item {
        final int length;
        final int serial;

        Item(int length, int serial) {
            this.length = length;
            this.serial = serial;
        }

        @Override
        public String toString() {
            return "#" + serial + "(" + length + ")";
        }
    }

    private static List<List<Item>> checkSplit(List<Item> items, int budget, int maxItems, int overhead) {
        List<Item> before = List.copyOf(items);
        List<List<Item>> batches = new MicroBatcher(budget, maxItems, overhead).split(items, i -> i.length);
        assertEquals(before, items, "the input list is not modified");

        Map<Item, Integer> seen = new IdentityHashMap<>();
        List<Item> flat = new ArrayList<>();
        for (List<Item> batch : batches) {
            assertFalse(batch.isEmpty(), "no empty batch");
            assertTrue(batch.size() <= maxItems, "at most maxItems: " + batch);
            int longest = batch.stream().mapToInt(i -> i.length).max().orElseThrow();
            assertTrue(batch.size() == 1 || (long) batch.size() * longest <= budget,
                    "padded size within the budget (unless a single item is over it alone): " + batch + " budget " + budget);
            for (Item item : batch) {
                seen.merge(item, 1, Integer::sum);
                flat.add(item);
            }
        }
        assertEquals(items.size(), flat.size(), "every item exactly once");
        for (Item item : items) {
            assertEquals(1, seen.getOrDefault(item, 0), "item " + item);
        }
        for (int i = 1; i < flat.size(); i++) {
            assertTrue(flat.get(i - 1).length <= flat.get(i).length, "sorted by length, shortest first: " + flat);
        }
        // Never worse than filling each batch to the limits (the greedy cut), by the batcher's own measure.
        assertTrue(cost(batches, overhead) <= cost(greedy(items, budget, maxItems), overhead),
                "costlier than the greedy cut: " + batches);
        return batches;
    }

    /** Padded tokens plus the per-call overhead, computed here independently of the batcher. */
    private static long cost(List<List<Item>> batches, int overhead) {
        long total = 0;
        for (List<Item> batch : batches) {
            int longest = 0;
            for (Item item : batch) {
                longest = Math.max(longest, item.length);
            }
            total += (long) batch.size() * longest + overhead;
        }
        return total;
    }

    /** The baseline: sort, then fill each batch until the next item would break a limit. */
    private static List<List<Item>> greedy(List<Item> items, int budget, int maxItems) {
        List<Item> sorted = new ArrayList<>(items);
        sorted.sort((a, b) -> Integer.compare(a.length, b.length));
        List<List<Item>> batches = new ArrayList<>();
        List<Item> current = new ArrayList<>();
        for (Item item : sorted) {
            if (!current.isEmpty() && ((long) (current.size() + 1) * item.length > budget || current.size() == maxItems)) {
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

    /** The cheapest split of the sorted order, by trying every set of cut points (2^(n-1) of them). */
    private static long bruteForceCost(List<Item> items, int budget, int maxItems, int overhead) {
        List<Item> sorted = new ArrayList<>(items);
        sorted.sort((a, b) -> Integer.compare(a.length, b.length));
        int n = sorted.size();
        long best = Long.MAX_VALUE;
        for (int cuts = 0; cuts < 1 << Math.max(0, n - 1); cuts++) {
            List<List<Item>> batches = new ArrayList<>();
            List<Item> current = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                current.add(sorted.get(i));
                if (i == n - 1 || (cuts & 1 << i) != 0) {
                    batches.add(current);
                    current = new ArrayList<>();
                }
            }
            boolean allowed = true;
            for (List<Item> batch : batches) {
                int longest = batch.get(batch.size() - 1).length;
                allowed &= batch.size() <= maxItems && (batch.size() == 1 || (long) batch.size() * longest <= budget);
            }
            if (allowed) {
                best = Math.min(best, cost(batches, overhead));
            }
        }
        return best;
    }

    @Test
    void randomWorkloads() {
        Random random = new Random(20240607);
        for (int round = 0; round < 500; round++) {
            int n = random.nextInt(200);
            List<Item> items = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                items.add(new Item(random.nextInt(4) == 0 ? 512 : 1 + random.nextInt(random.nextBoolean() ? 40 : 600), i));
            }
            int budget = 1 + random.nextInt(random.nextBoolean() ? 600 : 10000);
            int maxItems = 1 + random.nextInt(80);
            checkSplit(items, budget, maxItems, random.nextInt(100));
        }
    }

    @Test
    void theSplitIsTheCheapestOfAllSplitsOfTheSortedOrder() {
        Random random = new Random(7);
        for (int round = 0; round < 300; round++) {
            int n = random.nextInt(13);
            List<Item> items = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                items.add(new Item(1 + random.nextInt(random.nextBoolean() ? 8 : 300), i));
            }
            int budget = 1 + random.nextInt(1500);
            int maxItems = 1 + random.nextInt(6);
            int overhead = random.nextInt(3) == 0 ? 0 : random.nextInt(80);
            List<List<Item>> batches = checkSplit(items, budget, maxItems, overhead);
            assertEquals(bruteForceCost(items, budget, maxItems, overhead), cost(batches, overhead),
                    items + " budget " + budget + " max " + maxItems + " overhead " + overhead + ": " + batches);
        }
    }

    @Test
    void shortReviewsAreNotPaddedToLongOnesJustBecauseTheyFit() {
        List<Item> items = List.of(new Item(10, 0), new Item(10, 1), new Item(10, 2), new Item(100, 3), new Item(100, 4));
        // Greedy: all five fit in 1000 (5 x 100 = 500 padded tokens). Cut after the 10s: 30 + 200 + 2 x 32 = 294.
        List<List<Item>> batches = new MicroBatcher(1000, 64, 32).split(items, i -> i.length);
        assertEquals(List.of(items.subList(0, 3), items.subList(3, 5)), batches);
        // When a call costs more than the padding it saves, they do share one.
        assertEquals(List.of(items), new MicroBatcher(1000, 64, 400).split(items, i -> i.length));
    }

    @Test
    void knownSplit() {
        List<Item> items = List.of(new Item(10, 0), new Item(3, 1), new Item(10, 2), new Item(5, 3), new Item(4, 4));
        List<List<Item>> batches = new MicroBatcher(20, 64, 32).split(items, i -> i.length);
        // Sorted: 3, 4, 5, 10, 10. [3,4,5] pads to 15; adding a 10 would pad to 40 > 20; [10,10] pads to 20.
        assertEquals(List.of(List.of(items.get(1), items.get(4), items.get(3)), List.of(items.get(0), items.get(2))), batches);
    }

    @Test
    void itemOverTheBudgetGoesAlone() {
        List<Item> items = List.of(new Item(100, 0), new Item(2, 1), new Item(2, 2));
        List<List<Item>> batches = new MicroBatcher(10, 64, 32).split(items, i -> i.length);
        assertEquals(List.of(List.of(items.get(1), items.get(2)), List.of(items.get(0))), batches);
    }

    @Test
    void maxItemsCuts() {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            items.add(new Item(1, i));
        }
        List<List<Item>> batches = new MicroBatcher(1_000_000, 4, 32).split(items, i -> i.length);
        assertEquals(List.of(4, 4, 2), batches.stream().map(List::size).toList());
        assertEquals(items, batches.stream().flatMap(List::stream).toList(), "equal lengths keep their order (stable)");
    }

    @Test
    void noItemsNoBatches() {
        assertEquals(Collections.emptyList(), new MicroBatcher(10, 10, 32).split(List.<Item>of(), i -> i.length));
    }

    @Test
    void nonPositiveLimitsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new MicroBatcher(0, 10, 32));
        assertThrows(IllegalArgumentException.class, () -> new MicroBatcher(10, 0, 32));
        assertThrows(IllegalArgumentException.class, () -> new MicroBatcher(10, 10, -1));
    }

    @Test
    void hugeBudgetTimesLengthDoesNotOverflow() {
        List<Item> items = List.of(new Item(Integer.MAX_VALUE / 2, 0), new Item(Integer.MAX_VALUE / 2, 1),
                new Item(Integer.MAX_VALUE / 2, 2));
        List<List<Item>> batches = new MicroBatcher(Integer.MAX_VALUE, 64, 32).split(items, i -> i.length);
        assertEquals(List.of(2, 1), batches.stream().map(List::size).toList());
    }
}
