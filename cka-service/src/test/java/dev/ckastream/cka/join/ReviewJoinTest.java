package dev.ckastream.cka.join;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ckastream.cka.contract.PooledHalf;
import dev.ckastream.contract.ActivationRejection;
import dev.ckastream.contract.Side;

class ReviewJoinTest {

    private static PooledHalf half(String id, int side) {
        return new PooledHalf(id, Side.values()[side], 1, 2, 3, null, "m" + side, new float[] { 1, 2 });
    }

    @Test
    void halvesJoinInEitherOrderAndTheFirstCheckpointComesFirst() {
        ReviewJoin join = new ReviewJoin(10, 1000, new CountedReviews());
        List<ReviewJoin.Evicted> evicted = new ArrayList<>();
        PooledHalf a = half("r1", 0);
        PooledHalf b = half("r1", 1);
        assertInstanceOf(ReviewJoin.Waiting.class, join.offer(b, 0, evicted));
        ReviewJoin.Completed done = assertInstanceOf(ReviewJoin.Completed.class, join.offer(a, 1, evicted));
        assertSame(a, done.first());
        assertSame(b, done.second());
        assertEquals(0, join.pending());
        assertTrue(evicted.isEmpty());
    }

    @Test
    void aCountedReviewIsNeverCountedAgain() {
        ReviewJoin join = new ReviewJoin(10, 1000, new CountedReviews());
        List<ReviewJoin.Evicted> evicted = new ArrayList<>();
        join.offer(half("r1", 0), 0, evicted);
        join.offer(half("r1", 1), 0, evicted);
        assertEquals(ActivationRejection.DUPLICATE, assertInstanceOf(ReviewJoin.Refused.class, join.offer(half("r1", 0), 5, evicted)).reason());
        assertEquals(ActivationRejection.DUPLICATE, assertInstanceOf(ReviewJoin.Refused.class, join.offer(half("r1", 1), 5, evicted)).reason());
        assertEquals(0, join.pending());
    }

    @Test
    void aSecondHalfFromTheSameCheckpointIsADuplicate() {
        ReviewJoin join = new ReviewJoin(10, 1000, new CountedReviews());
        List<ReviewJoin.Evicted> evicted = new ArrayList<>();
        join.offer(half("r1", 0), 0, evicted);
        assertInstanceOf(ReviewJoin.Refused.class, join.offer(half("r1", 0), 1, evicted));
        assertInstanceOf(ReviewJoin.Completed.class, join.offer(half("r1", 1), 2, evicted));
    }

    @Test
    void theOldestHalvesAreEvictedBeyondTheBound() {
        ReviewJoin join = new ReviewJoin(2, 1000, new CountedReviews());
        List<ReviewJoin.Evicted> evicted = new ArrayList<>();
        join.offer(half("r1", 0), 0, evicted);
        join.offer(half("r2", 0), 1, evicted);
        join.offer(half("r3", 1), 2, evicted);
        assertEquals(1, evicted.size());
        assertEquals("r1", evicted.get(0).half().reviewId());
        assertEquals(ActivationRejection.JOIN_OVERFLOW, evicted.get(0).reason());
        assertEquals(2, join.pending());
    }

    @Test
    void halvesOlderThanTheMaximumAgeExpireOldestFirst() {
        ReviewJoin join = new ReviewJoin(10, 100, new CountedReviews());
        List<ReviewJoin.Evicted> evicted = new ArrayList<>();
        join.offer(half("old", 0), 0, evicted);
        join.offer(half("young", 1), 90, evicted);
        List<ReviewJoin.Evicted> expired = join.expire(150);
        assertEquals(1, expired.size());
        assertEquals("old", expired.get(0).half().reviewId());
        assertEquals(ActivationRejection.JOIN_TIMEOUT, expired.get(0).reason());
        assertEquals(1, join.pending());
        // An expired half's review can still be counted if both halves come again later.
        join.offer(half("old", 0), 200, evicted);
        assertInstanceOf(ReviewJoin.Completed.class, join.offer(half("old", 1), 201, evicted));
    }
}
