package dev.ckastream.cka.join;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
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

    /** Writes the hashes (16 bytes each) after their count. */
    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(ids.size());
        for (Id128 id : ids) {
            out.writeLong(id.high);
            out.writeLong(id.low);
        }
    }

    public static CountedReviews readFrom(DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("negative counted-review count " + n);
        }
        CountedReviews counted = new CountedReviews();
        for (int i = 0; i < n; i++) {
            counted.ids.add(new Id128(in.readLong(), in.readLong()));
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
