package dev.ckastream.cka.join;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ckastream.contract.ActivationRejection;
import dev.ckastream.contract.Side;

/**
 * Pairs the two halves of a review (one record per checkpoint) by review id. Halves wait in a bounded
 * buffer, oldest first: beyond {@code maxPending} reviews, or older than {@code maxAgeMillis}, a waiting
 * half is evicted (the caller dead-letters it). A review id that has been counted is never counted again:
 * a later half for it is a duplicate.
 *
 * <p>Label: a review is counted with the first checkpoint's label, or the second's when the first has none.
 * When both carry a label and they differ, the review is still counted (its vectors are valid) with the
 * first checkpoint's label, and the second checkpoint's half is dead-lettered with
 * {@link ActivationRejection#LABEL_MISMATCH} so the disagreement is visible; taking the first checkpoint's
 * label (rather than the first to arrive) makes the choice independent of arrival order.
 */
public final class ReviewJoin {

    /** What offering a half did. */
    public sealed interface Offer {
    }

    /** Both halves are here: count the review with {@code label} (0, 1 or null). */
    public record Completed(PooledHalf first, PooledHalf second, Integer label) implements Offer {
    }

    /** Waiting for the other half. */
    public record Waiting() implements Offer {
    }

    /** The half is refused: {@code detail} says why. */
    public record Refused(ActivationRejection reason, String detail) implements Offer {
    }

    /**
     * A half other than the one offered that the caller dead-letters: a waiting half pushed out of the buffer
     * or timed out, or the second checkpoint's half of a review whose labels disagree.
     */
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

    /**
     * Offers a half that arrived at {@code nowMillis}; other halves to dead-letter because of it (evicted, or
     * a label mismatch) are added to {@code evicted}.
     */
    public Offer offer(PooledHalf half, long nowMillis, List<Evicted> evicted) {
        if (counted.contains(half.reviewId())) {
            return new Refused(ActivationRejection.DUPLICATE, "review " + half.reviewId() + " was already counted");
        }
        Waiter other = pending.get(half.reviewId());
        if (other != null) {
            if (other.half.side() == half.side()) {
                return new Refused(ActivationRejection.DUPLICATE, "review " + half.reviewId()
                        + " already has a waiting half from this checkpoint");
            }
            pending.remove(half.reviewId());
            counted.add(half.reviewId());
            PooledHalf first = half.side() == Side.FIRST ? half : other.half;
            PooledHalf second = half.side() == Side.FIRST ? other.half : half;
            Integer label = first.label() != null ? first.label() : second.label();
            if (first.label() != null && second.label() != null && !first.label().equals(second.label())) {
                evicted.add(new Evicted(second, ActivationRejection.LABEL_MISMATCH, "review " + half.reviewId()
                        + " has label " + second.label() + " from the second checkpoint but " + first.label()
                        + " from the first; it is counted with the first's label " + first.label()));
            }
            return new Completed(first, second, label);
        }
        pending.put(half.reviewId(), new Waiter(half, nowMillis));
        while (pending.size() > maxPending) {
            Map.Entry<String, Waiter> oldest = pending.entrySet().iterator().next();
            pending.remove(oldest.getKey());
            evicted.add(new Evicted(oldest.getValue().half, ActivationRejection.JOIN_OVERFLOW, "more than "
                    + maxPending + " reviews waiting for their other half; the oldest is dropped (cka.join.max-pending)"));
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
            evicted.add(new Evicted(w.half, ActivationRejection.JOIN_TIMEOUT,
                    "the other checkpoint's half did not arrive within " + maxAgeMillis / 1000 + " s (cka.join.max-age)"));
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
