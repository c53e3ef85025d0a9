package dev.ckastream.cka.join;

import dev.ckastream.contract.ActivationRecord;
import dev.ckastream.contract.InvalidActivation;
import dev.ckastream.contract.Side;

import org.apache.kafka.common.header.Headers;

/**
 * One valid activation record and the checkpoint of the pair it came from: a review's pooled vectors from
 * one side.
 *
 * @param side   which checkpoint's half
 * @param pooled layer-major, {@code layers × dim} values, all finite
 * @param label  0, 1 or {@code null}
 */
public record PooledHalf(String reviewId, Side side, int layers, int dim, int tokens, Integer label, String model,
        float[] pooled) {

    /** Decodes and validates a record of {@code side}'s activation topic (the wire contract's own decoder). */
    public static PooledHalf decode(Side side, byte[] key, byte[] value, Headers headers) throws InvalidActivation {
        ActivationRecord r = ActivationRecord.decode(key, value, headers);
        return new PooledHalf(r.reviewId(), side, r.layers(), r.dim(), r.tokens(), r.label(), r.model(), r.pooled());
    }

    /** The same half as {@code side}'s of a pair (the vectors are shared, not copied: neither is ever changed). */
    public PooledHalf as(Side side) {
        return side == this.side ? this : new PooledHalf(reviewId, side, layers, dim, tokens, label, model, pooled);
    }

    /** The record as on the wire (exact: finite floats round-trip bit for bit), to dead-letter it. */
    public ActivationRecord record() {
        return new ActivationRecord(reviewId, layers, dim, tokens, label, model, pooled);
    }
}
