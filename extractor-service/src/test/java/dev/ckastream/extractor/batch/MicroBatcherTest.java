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

    private static void checkSplit(List<Item> items, int budget, int maxItems) {
        List<Item> before = List.copyOf(items);
        List<List<Item>> batches = new MicroBatcher(budget, maxItems).split(items, i -> i.length);
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
        // No needless cut: the next batch's first item would not have fitted in the previous batch.
        for (int b = 1; b < batches.size(); b++) {
            List<Item> previous = batches.get(b - 1);
            Item next = batches.get(b).get(0);
            assertTrue(previous.size() == maxItems || (long) (previous.size() + 1) * next.length > budget,
                    "batch " + (b - 1) + " " + previous + " could have taken " + next);
        }
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
            checkSplit(items, budget, maxItems);
        }
    }

    @Test
    void knownSplit() {
        List<Item> items = List.of(new Item(10, 0), new Item(3, 1), new Item(10, 2), new Item(5, 3), new Item(4, 4));
        List<List<Item>> batches = new MicroBatcher(20, 64).split(items, i -> i.length);
        // Sorted: 3, 4, 5, 10, 10. [3,4,5] pads to 15; adding a 10 would pad to 40 > 20; [10,10] pads to 20.
        assertEquals(List.of(List.of(items.get(1), items.get(4), items.get(3)), List.of(items.get(0), items.get(2))), batches);
    }

    @Test
    void itemOverTheBudgetGoesAlone() {
        List<Item> items = List.of(new Item(100, 0), new Item(2, 1), new Item(2, 2));
        List<List<Item>> batches = new MicroBatcher(10, 64).split(items, i -> i.length);
        assertEquals(List.of(List.of(items.get(1), items.get(2)), List.of(items.get(0))), batches);
    }

    @Test
    void maxItemsCuts() {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            items.add(new Item(1, i));
        }
        List<List<Item>> batches = new MicroBatcher(1_000_000, 4).split(items, i -> i.length);
        assertEquals(List.of(4, 4, 2), batches.stream().map(List::size).toList());
        assertEquals(items, batches.stream().flatMap(List::stream).toList(), "equal lengths keep their order (stable)");
    }

    @Test
    void noItemsNoBatches() {
        assertEquals(Collections.emptyList(), new MicroBatcher(10, 10).split(List.<Item>of(), i -> i.length));
    }

    @Test
    void nonPositiveLimitsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new MicroBatcher(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new MicroBatcher(10, 0));
    }

    @Test
    void hugeBudgetTimesLengthDoesNotOverflow() {
        List<Item> items = List.of(new Item(Integer.MAX_VALUE / 2, 0), new Item(Integer.MAX_VALUE / 2, 1),
                new Item(Integer.MAX_VALUE / 2, 2));
        List<List<Item>> batches = new MicroBatcher(Integer.MAX_VALUE, 64).split(items, i -> i.length);
        assertEquals(List.of(2, 1), batches.stream().map(List::size).toList());
    }
}
