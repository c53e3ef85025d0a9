package dev.ckastream.cka.probe;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Deterministic train/test split of reviews by id.
 *
 * <p>A review is a <em>test</em> review when the CRC32 ({@link java.util.zip.CRC32}, i.e. zlib's
 * {@code crc32}) of the UTF-8 bytes of its id, taken as an unsigned 32-bit value, is divisible by 5;
 * otherwise it is a <em>training</em> review. About 20% of ids fall in the test split. The split
 * depends on the id only, so it is stable across restarts, replays and both checkpoints.
 */
public final class ProbeSplit {

    /** Modulus of the split: test when {@code crc32(id) % MODULUS == 0}. */
    public static final int MODULUS = 5;

    private ProbeSplit() {
    }

    /** Unsigned CRC32 of the UTF-8 encoding of {@code reviewId}. */
    public static long crc32(String reviewId) {
        CRC32 crc = new CRC32();
        crc.update(reviewId.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }

    /** True when the review belongs to the test split. */
    public static boolean isTestReview(String reviewId) {
        return crc32(reviewId) % MODULUS == 0;
    }
}
