package dev.ckastream.deploy.feed;

import dev.ckastream.contract.Review;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReviewSelectionTest {
    /** A reader over a list that counts how many reviews were pulled and whether it was closed. */
    static final class ListReader extends ReviewReader {
        final List<Review> items;
        int pulled;
        boolean closed;

        ListReader(List<Review> items) {
            this.items = items;
        }

        @Override
        protected Review readNext() {
            return pulled < items.size() ? items.get(pulled++) : null;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private final List<ListReader> opened = new ArrayList<>();

    private List<Review> run(List<Review> source, ReviewSelection sel) throws IOException {
        try (ReviewSelection.Selected s = sel.select(() -> {
            ListReader r = new ListReader(source);
            opened.add(r);
            return r;
        })) {
            return Fixtures.drain(s);
        }
    }

    private static List<String> ids(List<Review> rs) {
        return rs.stream().map(Review::id).collect(Collectors.toList());
    }

    /** 30 negatives then 70 positives, like the sorted shared files. */
    private static List<Review> sortedSource() {
        List<Review> out = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            out.add(new Review("neg-" + i, "n" + i, 0));
        }
        for (int i = 0; i < 70; i++) {
            out.add(new Review("pos-" + i, "p" + i, 1));
        }
        return out;
    }

    @Test
    void limitTakesTheFirstNAndStopsReading() throws IOException {
        List<Review> got = run(sortedSource(), new ReviewSelection(5, false, false, 0));
        assertEquals(List.of("neg-0", "neg-1", "neg-2", "neg-3", "neg-4"), ids(got));
        assertEquals(5, opened.get(0).pulled, "must not read past the limit");
        assertTrue(opened.get(0).closed);
        assertEquals(100, run(sortedSource(), new ReviewSelection(null, false, false, 0)).size());
        assertEquals(5L, new ReviewSelection(5, false, false, 0).expectedAtMost());
    }

    @Test
    void balancedAlternatesAndHonoursTheLimit() throws IOException {
        List<Review> got = run(sortedSource(), new ReviewSelection(11, true, false, 0));
        assertEquals(List.of("pos-0", "neg-0", "pos-1", "neg-1", "pos-2", "neg-2", "pos-3", "neg-3", "pos-4",
                "neg-4"), ids(got));
        assertEquals(10L, new ReviewSelection(11, true, false, 0).expectedAtMost());
        assertTrue(opened.stream().allMatch(r -> r.closed));
    }

    @Test
    void balancedWithoutLimitStopsAtTheRarerClassAndSkipsUnlabelled() throws IOException {
        List<Review> source = new ArrayList<>(sortedSource());
        source.add(5, new Review("unlabelled", "u", null));
        List<Review> got = run(source, new ReviewSelection(null, true, false, 0));
        assertEquals(60, got.size());
        assertEquals(30, got.stream().filter(r -> r.label() == 1).count());
        for (int i = 0; i < got.size(); i++) {
            assertEquals(i % 2 == 0 ? 1 : 0, got.get(i).label(), "alternating at " + i);
        }
        // asking for more than the rarer class has gives what there is, still balanced
        assertEquals(60, run(sortedSource(), new ReviewSelection(1000, true, false, 0)).size());
    }

    @Test
    void shuffleIsDeterministicPerSeedAndSamplesTheWholeSource() throws IOException {
        ReviewSelection sel = new ReviewSelection(20, false, true, 42);
        List<Review> a = run(sortedSource(), sel);
        List<Review> b = run(sortedSource(), sel);
        assertEquals(a, b, "same seed, same source: same sample and order");
        assertEquals(20, a.size());
        assertEquals(20, new HashSet<>(ids(a)).size(), "no duplicates");
        assertTrue(a.stream().anyMatch(r -> r.label() == 1), "sample reaches past the first 30 (negatives)");
        List<Review> c = run(sortedSource(), new ReviewSelection(20, false, true, 43));
        assertNotEquals(ids(a), ids(c), "another seed, another sample");

        List<Review> all = run(sortedSource(), new ReviewSelection(null, false, true, 1));
        assertEquals(100, all.size());
        assertEquals(new HashSet<>(ids(sortedSource())), new HashSet<>(ids(all)));
        assertNotEquals(ids(sortedSource()), ids(all));
    }

    @Test
    void shuffleBalanced() throws IOException {
        ReviewSelection sel = new ReviewSelection(40, true, true, 9);
        List<Review> a = run(sortedSource(), sel);
        assertEquals(40, a.size());
        assertEquals(20, a.stream().filter(r -> r.label() == 1).count());
        assertEquals(a, run(sortedSource(), sel));
        List<Review> all = run(sortedSource(), new ReviewSelection(null, true, true, 9));
        assertEquals(60, all.size());
        assertEquals(30, all.stream().filter(r -> r.label() == 0).count());
    }

    @Test
    void shuffledSelectionKnowsItsSize() throws IOException {
        AtomicInteger n = new AtomicInteger();
        try (ReviewSelection.Selected s = new ReviewSelection(7, false, true, 1)
                .select(() -> new ListReader(sortedSource()))) {
            assertEquals(7L, s.size());
            s.forEachRemaining(r -> n.incrementAndGet());
        }
        assertEquals(7, n.get());
        try (ReviewSelection.Selected s = new ReviewSelection(7, false, false, 1)
                .select(() -> new ListReader(sortedSource()))) {
            assertNull(s.size());
        }
    }

    @Test
    void badLimits() {
        assertThrows(IllegalArgumentException.class, () -> new ReviewSelection(0, false, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new ReviewSelection(1, true, false, 0));
    }
}
