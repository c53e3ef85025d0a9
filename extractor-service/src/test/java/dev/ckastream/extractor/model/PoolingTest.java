package dev.ckastream.extractor.model;

import dev.ckastream.extractor.tokenize.ReviewTokenizer;
import dev.ckastream.extractor.tokenize.TokenizedReview;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/** Pooling semantics on bge-small-en (the default checkpoint) and the int8 MiniLM. */
class PoolingTest {

    private static final String SHORT = "Loved it.";
    private static final String LONG = "This is a much longer review that rambles on about the cinematography, the score, "
            + "the casting decisions and the pacing of the second act, which honestly could have been cut in half.";
    private static final String MEDIUM = "Not bad, though the ending was predictable.";

    private static ReviewTokenizer tokenizer;
    private static LayerPoolingModel bge;
    private static ReviewTokenizer minilmTokenizer;
    private static LayerPoolingModel int8;

    @BeforeAll
    static void load() {
        tokenizer = ReviewTokenizer.load(CheckpointFiles.tokenizerPath("classpath:bge-small-en-tokenizer.json"), 512);
        bge = LayerPoolingModel.loadWithTaps("bge-small-en", CheckpointFiles.readModel("classpath:bge-small-en.onnx"),
                ExecutionSettings.cpu(2));
        minilmTokenizer = ReviewTokenizer.load(CheckpointFiles.tokenizerPath("classpath:all-minilm-l6-v2-q-tokenizer.json"), 512);
        int8 = LayerPoolingModel.loadWithTaps("all-minilm-l6-v2-q", CheckpointFiles.readModel("classpath:all-minilm-l6-v2-q.onnx"),
                ExecutionSettings.cpu(2));
    }

    @AfterAll
    static void close() {
        bge.close();
        tokenizer.close();
        int8.close();
        minilmTokenizer.close();
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void reviewVectorDoesNotDependOnBatchOrPadding() {
        TokenizedReview s = tokenizer.encode(SHORT);
        TokenizedReview l = tokenizer.encode(LONG);
        TokenizedReview m = tokenizer.encode(MEDIUM);
        assertTrue(l.tokens() > 3 * s.tokens(), "the batch mates force a lot of padding");
        float[] alone = bge.pool(List.of(s))[0];
        float[][] batch = bge.pool(List.of(l, s, m, l));
        float[][] batch2 = bge.pool(List.of(m, m, s));
        double d1 = maxAbsDiff(alone, batch[1]);
        double d2 = maxAbsDiff(alone, batch2[2]);
        double d3 = maxAbsDiff(bge.pool(List.of(l))[0], batch[0]);
        System.out.printf("bge batch independence: %.3g %.3g %.3g%n", d1, d2, d3);
        assertTrue(d1 <= 1e-5, "short review alone vs padded in a batch: " + d1);
        assertTrue(d2 <= 1e-5, "short review alone vs another batch: " + d2);
        assertTrue(d3 <= 1e-5, "long review alone vs in batch: " + d3);
        assertEquals(0.0, maxAbsDiff(batch[0], batch[3]), 1e-6, "same review twice in one batch");
    }

    @Test
    void meanIsOverAllMaskedPositionsIncludingSpecialTokensForEveryLayer() {
        List<TokenizedReview> batch = List.of(tokenizer.encode(LONG), tokenizer.encode(SHORT));
        float[][] pooled = bge.pool(batch);
        int d = bge.dim();
        for (int layer = 0; layer < bge.layers(); layer += 4) {
            float[][][] h = bge.hiddenState(batch, layer);
            for (int r = 0; r < batch.size(); r++) {
                int n = batch.get(r).tokens();
                double worst = 0;
                for (int j = 0; j < d; j++) {
                    double mean = 0;
                    for (int i = 0; i < n; i++) {
                        mean += h[r][i][j];
                    }
                    worst = Math.max(worst, Math.abs(mean / n - pooled[r][layer * d + j]));
                }
                assertTrue(worst <= 1e-5, "layer " + layer + " review " + r + ": " + worst);
            }
        }
    }

    @Test
    void int8ModelRunsPerReviewSoItsVectorsAreBatchIndependentToo() {
        TokenizedReview s = minilmTokenizer.encode(SHORT);
        TokenizedReview l = minilmTokenizer.encode(LONG);
        assertTrue(int8.runsPerReview(), "DynamicQuantizeLinear graph");
        assertFalse(bge.runsPerReview());
        // The raw batched run shows why: dynamic quantization scales are computed over the whole batch.
        float[][][] alone = int8.hiddenState(List.of(s), int8.layers() - 1);
        float[][][] batched = int8.hiddenState(List.of(l, s), int8.layers() - 1);
        double raw = 0;
        for (int i = 0; i < s.tokens(); i++) {
            for (int j = 0; j < int8.dim(); j++) {
                raw = Math.max(raw, Math.abs(alone[0][i][j] - batched[1][i][j]));
            }
        }
        double pooled = maxAbsDiff(int8.pool(List.of(s))[0], int8.pool(List.of(l, s))[1]);
        System.out.printf("int8: batched raw last layer differs by %.3g; pool() differs by %.3g%n", raw, pooled);
        assertTrue(pooled <= 1e-5, "int8 pooled alone vs in batch: " + pooled);
    }

    @Test
    void concurrentCallsGiveTheSameVectors() throws Exception {
        List<TokenizedReview> batch = List.of(tokenizer.encode(MEDIUM), tokenizer.encode(SHORT));
        float[][] expected = bge.pool(batch);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<float[][]>> futures = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                futures.add(pool.submit(() -> bge.pool(batch)));
            }
            for (Future<float[][]> f : futures) {
                float[][] got = f.get();
                assertTrue(maxAbsDiff(expected[0], got[0]) <= 1e-6);
                assertTrue(maxAbsDiff(expected[1], got[1]) <= 1e-6);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void rejectsEmptyBatchAndReviewsAboveThePositionLimit() {
        assertThrows(IllegalArgumentException.class, () -> bge.pool(List.of()));
        long[] ids = new long[bge.maxPositions() + 1];
        java.util.Arrays.fill(ids, 1000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bge.pool(List.of(TokenizedReview.of(ids))));
        assertTrue(e.getMessage().contains("513") && e.getMessage().contains("512"), e.getMessage());
    }
}
