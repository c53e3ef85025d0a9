package dev.ckastream.cka.join;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.Set;

/**
 * The ids of reviews already counted, kept as 128-bit hashes (the first 16 bytes of SHA-256 of the UTF-8 id):
 * about 50 bytes per review in memory, with collisions impossible in practice (~n²/2¹²⁹).
 */
public final class CountedReviews {

    private record Id128(long high, long low) {
    }

    private final Set<Id128> ids = new HashSet<>();

    public boolean contains(String reviewId) {
        return ids.contains(hash(reviewId));
    }

    /** @return false when the id was already there */
    public boolean add(String reviewId) {
        return ids.add(hash(reviewId));
    }

    public int size() {
        return ids.size();
    }

    /** The hashes as plain values: {@code [high₀, low₀, high₁, low₁, …]}, in no particular order. */
    public long[] hashes() {
        long[] out = new long[2 * ids.size()];
        int k = 0;
        for (Id128 id : ids) {
            out[k++] = id.high;
            out[k++] = id.low;
        }
        return out;
    }

    /** Rebuilds the set from {@link #hashes()}. */
    public static CountedReviews of(long[] hashes) {
        if (hashes.length % 2 != 0) {
            throw new IllegalArgumentException("hashes come in pairs, got " + hashes.length + " values");
        }
        CountedReviews counted = new CountedReviews();
        for (int k = 0; k < hashes.length; k += 2) {
            counted.ids.add(new Id128(hashes[k], hashes[k + 1]));
        }
        return counted;
    }

    private static Id128 hash(String reviewId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(reviewId.getBytes(StandardCharsets.UTF_8));
            ByteBuffer b = ByteBuffer.wrap(digest);
            return new Id128(b.getLong(), b.getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
