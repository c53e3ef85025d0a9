package dev.ckastream.cka.join;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ckastream.cka.contract.PooledHalf;
import dev.ckastream.contract.ActivationRejection;
import dev.ckastream.contract.Side;

/**
 * Pairs the two halves of a review (one record per checkpoint) by review id. Halves wait in a bounded
 * buffer, oldest first: beyond {@code maxPending} reviews, or older than {@code maxAgeMillis}, a waiting
 * half is evicted (the caller dead-letters it). A review id that has been counted is never counted again:
 * a later half for it is a duplicate.
 */
public final class ReviewJoin {

    /** What offering a half did. */
    public sealed interface Offer {
    }

    /** Both halves are here: count the review. */
    public record Completed(PooledHalf first, PooledHalf second) implements Offer {
    }

    /** Waiting for the other half. */
    public record Waiting() implements Offer {
    }

    /** The half is refused ({@code duplicate}); {@code detail} says why. */
    public record Refused(ActivationRejection reason, String detail) implements Offer {
    }

    /** A waiting half that was pushed out of the buffer. */
    public record Evicted(PooledHalf half, ActivationRejection reason, String detail) {
    }

    private record Waiter(PooledHalf half, long arrivedMillis) {
    }

    private final int maxPending;
    private final long maxAgeMillis;
    private final CountedReviews counted;
    private final LinkedHashMap<String, Waiter> pending = new LinkedHashMap<>();

    public ReviewJoin(int maxPending, long maxAgeMillis, CountedReviews counted) {
        if (maxPending < 1) {
            throw new IllegalArgumentException("maxPending must be positive");
        }
        this.maxPending = maxPending;
        this.maxAgeMillis = maxAgeMillis;
        this.counted = counted;
    }

    /** Offers a half that arrived at {@code nowMillis}; evictions it causes are added to {@code evicted}. */
    public Offer offer(PooledHalf half, long nowMillis, List<Evicted> evicted) {
        if (counted.contains(half.reviewId())) {
            return new Refused(ActivationRejection.DUPLICATE, "review " + half.reviewId() + " was already counted");
        }
        Waiter other = pending.get(half.reviewId());
        if (other != null) {
            if (other.half.side() == half.side()) {
                return new Refused(ActivationRejection.DUPLICATE, "review " + half.reviewId() + " already has a waiting half from this checkpoint");
            }
            pending.remove(half.reviewId());
            counted.add(half.reviewId());
            return half.side() == Side.FIRST ? new Completed(half, other.half) : new Completed(other.half, half);
        }
        pending.put(half.reviewId(), new Waiter(half, nowMillis));
        while (pending.size() > maxPending) {
            Map.Entry<String, Waiter> oldest = pending.entrySet().iterator().next();
            pending.remove(oldest.getKey());
            evicted.add(new Evicted(oldest.getValue().half, ActivationRejection.JOIN_OVERFLOW, "more than " + maxPending
                    + " reviews waiting for their other half; the oldest is dropped (cka.join.max-pending)"));
        }
        return new Waiting();
    }

    /** Evicts halves that have waited longer than the maximum age. */
    public List<Evicted> expire(long nowMillis) {
        List<Evicted> evicted = new ArrayList<>();
        Iterator<Waiter> it = pending.values().iterator();
        while (it.hasNext()) {
            Waiter w = it.next();
            if (nowMillis - w.arrivedMillis <= maxAgeMillis) {
                break; // insertion order = arrival order
            }
            it.remove();
            evicted.add(new Evicted(w.half, ActivationRejection.JOIN_TIMEOUT, "the other checkpoint's half did not arrive within "
                    + maxAgeMillis / 1000 + " s (cka.join.max-age)"));
        }
        return evicted;
    }

    /** Puts back a half that was waiting when a snapshot was taken, keeping its arrival time. */
    public void restore(PooledHalf half, long arrivedMillis) {
        pending.put(half.reviewId(), new Waiter(half, arrivedMillis));
    }

    public int pending() {
        return pending.size();
    }

    /** The waiting halves, oldest first, with their arrival times (for snapshots). */
    public List<Map.Entry<PooledHalf, Long>> waiting() {
        List<Map.Entry<PooledHalf, Long>> list = new ArrayList<>(pending.size());
        pending.values().forEach(w -> list.add(Map.entry(w.half, w.arrivedMillis)));
        return list;
    }
}
