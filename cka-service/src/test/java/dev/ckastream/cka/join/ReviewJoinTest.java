package dev.ckastream.cka.join;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ckastream.contract.ActivationRejection;
import dev.ckastream.contract.Side;

class ReviewJoinTest {

    private static PooledHalf half(String id, Side side) {
        return half(id, side, null);
    }

    private static PooledHalf half(String id, Side side, Integer label) {
        return new PooledHalf(id, side, 1, 2, 3, label, "m-" + side.word(), new float[] { 1, 2 });
    }

    @Test
    void halvesJoinInEitherOrderAndTheFirstCheckpointComesFirst() {
        ReviewJoin join = new ReviewJoin(10, 1000, new CountedReviews());
        List<ReviewJoin.Evicted> evicted = new ArrayList<>();
        PooledHalf first = half("r1", Side.FIRST);
        PooledHalf second = half("r1", Side.SECOND);
        assertInstanceOf(ReviewJoin.Waiting.class, join.offer(second, 0, evicted));
        ReviewJoin.Completed done = assertInstanceOf(ReviewJoin.Completed.class, join.offer(first, 1, evicted));
        assertSame(first, done.first());
        assertSame(second, done.second());
        assertEquals(0, join.pending());
        assertTrue(evicted.isEmpty());
    }

    @Test
    void aCountedReviewIsNeverCountedAgain() {
        ReviewJoin join = new ReviewJoin(10, 1000, new CountedReviews());
        List<ReviewJoin.Evicted> evicted = new ArrayList<>();
        join.offer(half("r1", Side.FIRST), 0, evicted);
        join.offer(half("r1", Side.SECOND), 0, evicted);
        assertEquals(ActivationRejection.DUPLICATE, assertInstanceOf(ReviewJoin.Refused.class, join.offer(half("r1", Side.FIRST), 5, evicted)).reason());
        assertEquals(ActivationRejection.DUPLICATE, assertInstanceOf(ReviewJoin.Refused.class, join.offer(half("r1", Side.SECOND), 5, evicted)).reason());
        assertEquals(0, join.pending());
    }

    @Test
    void aSecondHalfFromTheSameCheckpointIsADuplicate() {
        ReviewJoin join = new ReviewJoin(10, 1000, new CountedReviews());
        List<ReviewJoin.Evicted> evicted = new ArrayList<>();
        join.offer(half("r1", Side.FIRST), 0, evicted);
        assertInstanceOf(ReviewJoin.Refused.class, join.offer(half("r1", Side.FIRST), 1, evicted));
        assertInstanceOf(ReviewJoin.Completed.class, join.offer(half("r1", Side.SECOND), 2, evicted));
    }

    @Test
    void theOldestHalvesAreEvictedBeyondTheBound() {
        ReviewJoin join = new ReviewJoin(2, 1000, new CountedReviews());
        List<ReviewJoin.Evicted> evicted = new ArrayList<>();
        join.offer(half("r1", Side.FIRST), 0, evicted);
        join.offer(half("r2", Side.FIRST), 1, evicted);
        join.offer(half("r3", Side.SECOND), 2, evicted);
        assertEquals(1, evicted.size());
        assertEquals("r1", evicted.get(0).half().reviewId());
        assertEquals(ActivationRejection.JOIN_OVERFLOW, evicted.get(0).reason());
        assertEquals(2, join.pending());
    }

    @Test
    void halvesOlderThanTheMaximumAgeExpireOldestFirst() {
        ReviewJoin join = new ReviewJoin(10, 100, new CountedReviews());
        List<ReviewJoin.Evicted> evicted = new ArrayList<>();
        join.offer(half("old", Side.FIRST), 0, evicted);
        join.offer(half("young", Side.SECOND), 90, evicted);
        List<ReviewJoin.Evicted> expired = join.expire(150);
        assertEquals(1, expired.size());
        assertEquals("old", expired.get(0).half().reviewId());
        assertEquals(ActivationRejection.JOIN_TIMEOUT, expired.get(0).reason());
        assertEquals(1, join.pending());
        // An expired half's review can still be counted if both halves come again later.
        join.offer(half("old", Side.FIRST), 200, evicted);
        assertInstanceOf(ReviewJoin.Completed.class, join.offer(half("old", Side.SECOND), 201, evicted));
    }

    @Test
    void halvesThatDisagreeOnTheLabelAreCountedWithTheFirstCheckpointsAndTheSecondsHalfIsDeadLettered() {
        ReviewJoin join = new ReviewJoin(10, 1000, new CountedReviews());
        List<ReviewJoin.Evicted> evicted = new ArrayList<>();
        PooledHalf second = half("r1", Side.SECOND, 0);
        join.offer(second, 0, evicted);
        ReviewJoin.Completed done = assertInstanceOf(ReviewJoin.Completed.class,
                join.offer(half("r1", Side.FIRST, 1), 1, evicted));
        assertEquals(1, done.label());
        assertEquals(1, evicted.size());
        assertSame(second, evicted.get(0).half());
        assertEquals(ActivationRejection.LABEL_MISMATCH, evicted.get(0).reason());
        assertTrue(evicted.get(0).detail().contains("label 0 from the second checkpoint but 1 from the first"),
                evicted.get(0).detail());

        // Agreeing labels, or one label missing, are not a mismatch; a missing first label takes the second's.
        evicted.clear();
        join.offer(half("r2", Side.FIRST, null), 2, evicted);
        assertEquals(0, assertInstanceOf(ReviewJoin.Completed.class,
                join.offer(half("r2", Side.SECOND, 0), 3, evicted)).label());
        join.offer(half("r3", Side.FIRST, 1), 4, evicted);
        assertEquals(1, assertInstanceOf(ReviewJoin.Completed.class,
                join.offer(half("r3", Side.SECOND, 1), 5, evicted)).label());
        assertTrue(evicted.isEmpty(), evicted.toString());
    }
}
