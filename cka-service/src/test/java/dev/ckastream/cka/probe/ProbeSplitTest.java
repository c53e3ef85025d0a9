package dev.ckastream.cka.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ProbeSplitTest {

    /** CRC32 values computed independently with python3: zlib.crc32(s.encode('utf-8')). */
    @Test
    void crc32MatchesZlibAndSplitIsModFive() {
        Object[][] pinned = {
            {"review-0", 1077265025L}, {"review-1", 926085655L}, {"abc", 891568578L},
            {"tt0111161_1", 2096080109L}, {"héllo-ü", 1972174298L}, {"", 0L},
            {"imdb/train/pos/12345_9", 4216976800L}, // > 2^31: must be taken unsigned
            {"7", 1790921346L}, {"42", 841265288L},
        };
        for (Object[] p : pinned) {
            String id = (String) p[0];
            long crc = (Long) p[1];
            assertEquals(crc, ProbeSplit.crc32(id), id);
            assertEquals(crc % 5 == 0, ProbeSplit.isTestReview(id), id);
        }
        assertEquals(true, ProbeSplit.isTestReview("imdb/train/pos/12345_9"));
        assertEquals(false, ProbeSplit.isTestReview("tt0111161_1"));
    }

    @Test
    void roughlyOneFifthAreTestReviews() {
        int test = 0;
        for (int i = 0; i < 100_000; i++) {
            test += ProbeSplit.isTestReview("r" + i) ? 1 : 0;
        }
        assertEquals(0.2, test / 100_000.0, 0.01);
    }
}
