package dev.ckastream.deploy.feed;

import dev.ckastream.contract.Review;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reads the project's shared IMDB test split (skips when /work/shared/data is absent). */
class SharedDataReaderTest {
    @Test
    void readsTheWholeSharedTestSplit() throws IOException {
        Path file = SharedData.file("imdb-test.jsonl.gz");
        long n = 0;
        long pos = 0;
        Review first = null;
        try (ReviewReader r = ReviewSources.open(file)) {
            while (r.hasNext()) {
                Review review = r.next();
                if (first == null) {
                    first = review;
                }
                assertTrue(review.id().matches("test-(pos|neg)-\\d+"), review.id());
                assertEquals(review.id().startsWith("test-pos-") ? 1 : 0, review.label(), review.id());
                assertTrue(!review.text().isEmpty(), review.id());
                pos += review.label();
                n++;
            }
        }
        assertEquals(25_000, n);
        assertEquals(12_500, pos);
        assertEquals("test-neg-0", first.id());
    }

    @Test
    void balancedShuffledSampleFromSharedTrainSplit() throws IOException {
        Path file = SharedData.file("imdb-train.jsonl.gz");
        ReviewSelection sel = new ReviewSelection(100, true, true, 7L);
        var a = Fixtures.drain(sel.select(() -> ReviewSources.open(file)));
        var b = Fixtures.drain(sel.select(() -> ReviewSources.open(file)));
        assertEquals(100, a.size());
        assertEquals(50, a.stream().filter(r -> r.label() == 1).count());
        assertEquals(a, b);
    }
}
