package dev.ckastream.cka.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

class RetainedReviewsTest {

    private static float[] vector(int seed, int len) {
        float[] v = new float[len];
        Random random = new Random(seed);
        for (int k = 0; k < len; k++) {
            v[k] = random.nextFloat();
        }
        return v;
    }

    /** The smallest-hash ids, computed by sorting every id's hash (the brute-force definition). */
    private static Set<String> smallestHashes(List<String> ids, int k) {
        List<String> sorted = new ArrayList<>(ids);
        sorted.sort((a, b) -> {
            int c = Long.compareUnsigned(RetainedReviews.reviewHash(a), RetainedReviews.reviewHash(b));
            return c != 0 ? c : a.compareTo(b);
        });
        return new TreeSet<>(sorted.subList(0, k));
    }

    @Test
    void keepsTheSmallestHashesWhateverTheOrder() {
        List<String> ids = new ArrayList<>();
        for (int r = 0; r < 500; r++) {
            ids.add("review-" + r);
        }
        Set<String> expected = smallestHashes(ids, 40);
        for (long seed = 0; seed < 5; seed++) {
            List<String> order = new ArrayList<>(ids);
            Collections.shuffle(order, new Random(seed));
            RetainedReviews sample = new RetainedReviews(2, 3, 1, 4, 40);
            for (String id : order) {
                int n = Integer.parseInt(id.substring(7));
                sample.offer(id, vector(n, 6), vector(-n, 4));
            }
            assertEquals(expected, new TreeSet<>(Arrays.asList(sample.state().ids())));
            assertEquals(500, sample.reviews());
            assertEquals(40, sample.size());
        }
    }

    @Test
    void aRepeatedIdIsStoredOnce() {
        RetainedReviews sample = new RetainedReviews(1, 2, 1, 2, 8);
        sample.offer("a", vector(1, 2), vector(2, 2));
        sample.offer("a", vector(1, 2), vector(2, 2));
        assertEquals(1, sample.size());
        assertEquals(2, sample.reviews());
    }

    @Test
    void hashIsStableAndSpreadsNeighbouringIds() {
        assertEquals(RetainedReviews.reviewHash("review-1"), RetainedReviews.reviewHash("review-1"));
        assertNotEquals(RetainedReviews.reviewHash("review-1"), RetainedReviews.reviewHash("review-2"));
        // neighbouring ids land in both halves of the range about equally
        int high = 0;
        for (int r = 0; r < 10_000; r++) {
            high += RetainedReviews.reviewHash("r" + r) < 0 ? 1 : 0;
        }
        assertEquals(5000, high, 200);
    }

    @Test
    void stateRoundTripContinuesIdentically() {
        RetainedReviews original = new RetainedReviews(1, 3, 2, 2, 10);
        RetainedReviews restored = null;
        for (int r = 0; r < 60; r++) {
            if (r == 30) {
                restored = RetainedReviews.restore(original.state());
            }
            original.offer("id" + r, vector(r, 3), vector(r + 1000, 4));
            if (restored != null) {
                restored.offer("id" + r, vector(r, 3), vector(r + 1000, 4));
            }
        }
        RetainedReviews.State a = original.state(), b = restored.state();
        assertEquals(a.reviews(), b.reviews());
        assertArrayEquals(a.ids(), b.ids());
        assertArrayEquals(a.pooled(), b.pooled());
        assertArrayEquals(a.shiftedSum(), b.shiftedSum());
        assertArrayEquals(a.shift(), b.shift());
        assertThrows(IllegalArgumentException.class, () -> RetainedReviews.restore(new RetainedReviews.State(
                1, 3, 2, 2, 10, 5, new float[7], new double[7], new String[] {"x"}, new float[3])));
        assertThrows(IllegalArgumentException.class, () -> original.offer("bad", new float[2], new float[4]));
    }
}
