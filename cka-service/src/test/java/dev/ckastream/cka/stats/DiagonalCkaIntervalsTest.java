package dev.ckastream.cka.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ckastream.cka.math.CkaScores;
import dev.ckastream.cka.math.CrossLayerCoMoments;
import dev.ckastream.cka.math.GemmEngine;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The acceptance checks of the diagonal CKA intervals: coverage of the population CKA on Gaussian data
 * whose CKA is known exactly, agreement with a resampling computation on a fixed sample, and unrelated
 * layers that are never called refined.
 */
class DiagonalCkaIntervalsTest {

    private static final GemmEngine GEMM = GemmEngine.best();
    private static final ConfidenceLevel L95 = ConfidenceLevel.NINETY_FIVE;

    /** d = 64, population CKA ≈ 0.66 (both required cases in one), default-size sample. */
    private static final SyntheticLayers RELATED = new SyntheticLayers(8, 64, 3.0, 0.6, 11);

    /** One replicate: stream n reviews through the co-moments and the sample, return the debiased interval. */
    private static Interval[] replicate(SyntheticLayers layers, int n, int capacity, SplittableRandom random) {
        CrossLayerCoMoments coMoments = new CrossLayerCoMoments(1, layers.dim, 1, layers.dim, GEMM, 64);
        RetainedReviews sample = new RetainedReviews(1, layers.dim, 1, layers.dim, capacity);
        for (int r = 0; r < n; r++) {
            float[][] review = layers.review(random);
            coMoments.add(review[0], review[1]);
            sample.offer("review-" + random.nextLong(), review[0], review[1]);
        }
        coMoments.flush(); // scores() is a pure read of what was folded in
        CkaScores scores = coMoments.scores();
        DiagonalIntervals intervals = new DiagonalCkaIntervals(sample, GEMM)
                .intervals(scores.diagonal(), scores.diagonalDebiased(), L95);
        return new Interval[] {intervals.cka().get(0), intervals.ckaDebiased().get(0)};
    }

    private static double coverage(SyntheticLayers layers, int n, int capacity, int replicates, long seed) {
        double truth = layers.populationCka();
        SplittableRandom random = new SplittableRandom(seed);
        int covered = 0;
        double width = 0;
        for (int rep = 0; rep < replicates; rep++) {
            Interval debiased = replicate(layers, n, capacity, random)[1];
            assertNotNull(debiased);
            covered += debiased.contains(truth) ? 1 : 0;
            width += debiased.halfWidth();
        }
        double rate = (double) covered / replicates;
        System.out.printf("coverage n=%d d=%d capacity=%d CKA=%.4f: %.3f (%d/%d), mean half-width %.4f%n",
                n, layers.dim, capacity, truth, rate, covered, replicates, width / replicates);
        return rate;
    }

    @Test
    void relatedCaseHasTheRightPopulationCka() {
        double truth = RELATED.populationCka();
        assertTrue(truth > 0.3 && truth < 0.9, "population CKA " + truth);
    }

    @Test
    void debiasedIntervalsCoverThePopulationCkaAt200Reviews() {
        double rate = coverage(RELATED, 200, 512, 200, 1);
        assertTrue(rate >= 0.92 && rate <= 0.98, "coverage " + rate);
    }

    /** n = 2000 exceeds the 512 retained reviews: the variance comes from the sample, the centring from all. */
    @Test
    void debiasedIntervalsCoverThePopulationCkaAt2000Reviews() {
        double rate = coverage(RELATED, 2000, 512, 200, 2);
        assertTrue(rate >= 0.92 && rate <= 0.98, "coverage " + rate);
    }

    /**
     * Half-widths against a delete-one jackknife of CKA computed directly from the definitions (and, while
     * the sample holds every review, against a bootstrap of debiased CKA over the same vectors).
     */
    @Test
    void halfWidthsAgreeWithAJackknifeWhileTheSampleHoldsEveryReview() {
        checkAgainstJackknife(RELATED, 300, 512, 5, 400);
    }

    @Test
    void halfWidthsAgreeWithAJackknifeOnceTheSampleIsASubset() {
        checkAgainstJackknife(new SyntheticLayers(6, 32, 2.0, 0.7, 3), 1200, 256, 6, 0);
    }

    private static void checkAgainstJackknife(SyntheticLayers layers, int n, int capacity, long seed,
                                              int bootstrapResamples) {
        SplittableRandom random = new SplittableRandom(seed);
        CrossLayerCoMoments coMoments = new CrossLayerCoMoments(1, layers.dim, 1, layers.dim, GEMM, 64);
        RetainedReviews sample = new RetainedReviews(1, layers.dim, 1, layers.dim, capacity);
        double[][] x = new double[n][], y = new double[n][];
        for (int r = 0; r < n; r++) {
            float[][] review = layers.review(random);
            coMoments.add(review[0], review[1]);
            sample.offer("r" + r, review[0], review[1]);
            x[r] = toDouble(review[0]);
            y[r] = toDouble(review[1]);
        }
        coMoments.flush(); // scores() is a pure read of what was folded in
        CkaScores scores = coMoments.scores();
        DiagonalIntervals intervals = new DiagonalCkaIntervals(sample, GEMM)
                .intervals(scores.diagonal(), scores.diagonalDebiased(), L95);
        DirectCka direct = new DirectCka(x, y);
        int[] all = new int[n];
        java.util.Arrays.fill(all, 1);
        assertEquals(direct.debiased(all), scores.diagonalDebiased()[0], 1e-9, "the same estimator");
        double[] plainOut = direct.plainLeaveOneOut(), debiasedOut = direct.debiasedLeaveOneOut();
        all[0] = 0;
        assertEquals(direct.debiased(all), debiasedOut[0], 1e-9, "downdate = recomputation");
        double z = L95.z();
        double jackPlain = z * jackknifeStandardError(plainOut);
        double jackDebiased = z * jackknifeStandardError(debiasedOut);
        double oursPlain = intervals.cka().get(0).halfWidth();
        double oursDebiased = intervals.ckaDebiased().get(0).halfWidth();
        System.out.printf("n=%d d=%d R=%d half-widths: debiased %.4f vs jackknife %.4f, plain %.4f vs %.4f%n",
                n, layers.dim, capacity, oursDebiased, jackDebiased, oursPlain, jackPlain);
        assertWithinFactor(jackDebiased, oursDebiased, 1.5);
        if (bootstrapResamples > 0) {
            // percentile bootstrap over the same vectors: half the 2.5–97.5 % spread of resampled debiased CKA
            double[] boot = new double[bootstrapResamples];
            int[] count = new int[n];
            for (int b = 0; b < bootstrapResamples; b++) {
                java.util.Arrays.fill(count, 0);
                for (int r = 0; r < n; r++) {
                    count[random.nextInt(n)]++;
                }
                boot[b] = direct.debiased(count);
            }
            java.util.Arrays.sort(boot);
            double bootHalf = 0.5 * (boot[(int) (0.975 * (bootstrapResamples - 1))]
                    - boot[(int) (0.025 * (bootstrapResamples - 1))]);
            System.out.printf("  bootstrap (%d resamples) debiased half-width %.4f%n", bootstrapResamples, bootHalf);
            assertWithinFactor(bootHalf, oursDebiased, 1.5);
        }
        assertWithinFactor(jackPlain, oursPlain, 1.5);
    }

    private static double jackknifeStandardError(double[] leaveOneOut) {
        int n = leaveOneOut.length;
        double mean = 0;
        for (double v : leaveOneOut) {
            mean += v;
        }
        mean /= n;
        double ss = 0;
        for (double v : leaveOneOut) {
            ss += (v - mean) * (v - mean);
        }
        return Math.sqrt((n - 1.0) / n * ss);
    }

    /**
     * Independent 384-d layers at 25..200 reviews (where plain CKA reads 0.9 to 0.5): the debiased interval
     * contains 0 and its upper bound stays far below the refined threshold, so the status is rewritten.
     */
    @Test
    void unrelatedLayersAreNeverCalledRefinedOrUntouched() {
        SyntheticLayers unrelated = new SyntheticLayers(0, 384, 1.0, 0, 1);
        LayerStatusRule rule = new LayerStatusRule(0.99, 0.85);
        SplittableRandom random = new SplittableRandom(8);
        int replicates = 0, containsZero = 0;
        double worstUpper = Double.NEGATIVE_INFINITY, plainMean25 = 0;
        for (int n : new int[] {25, 50, 100, 200}) {
            for (int rep = 0; rep < 50; rep++) {
                Interval[] pair = replicate(unrelated, n, 512, random);
                Interval debiased = pair[1];
                assertNotNull(debiased);
                replicates++;
                containsZero += debiased.contains(0) ? 1 : 0;
                worstUpper = Math.max(worstUpper, debiased.upper());
                LayerStatus status = rule.of(debiased);
                assertTrue(status == LayerStatus.REWRITTEN || status == LayerStatus.SETTLING, status.toString());
                if (n == 25) {
                    plainMean25 += pair[0].midpoint() / 50;
                }
            }
        }
        double rate = (double) containsZero / replicates;
        System.out.printf("unrelated d=384: interval contains 0 in %.3f of %d, worst upper %.3f, plain at 25: %.3f%n",
                rate, replicates, worstUpper, plainMean25);
        assertTrue(rate >= 0.90, "contains 0 in " + rate);
        assertTrue(worstUpper < 0.5, "upper bound " + worstUpper);
        assertTrue(plainMean25 > 0.85, "plain CKA's bias, which the plain interval does not cover: " + plainMean25);
    }

    @Test
    void undefinedBelowEightReviewsAndForUndefinedEstimates() {
        SyntheticLayers layers = new SyntheticLayers(2, 8, 1.0, 0.5, 1);
        RetainedReviews sample = new RetainedReviews(1, 8, 1, 8, 16);
        DiagonalCkaIntervals intervals = new DiagonalCkaIntervals(sample, GEMM);
        SplittableRandom random = new SplittableRandom(1);
        for (int r = 0; r < DiagonalCkaIntervals.MIN_REVIEWS - 1; r++) {
            float[][] review = layers.review(random);
            sample.offer("r" + r, review[0], review[1]);
            DiagonalIntervals none = intervals.intervals(new double[] {0.5}, new double[] {0.5}, L95);
            assertNull(none.ckaDebiased().get(0), (r + 1) + " reviews");
            assertNull(none.cka().get(0), (r + 1) + " reviews");
        }
        for (int r = DiagonalCkaIntervals.MIN_REVIEWS - 1; r < 10; r++) {
            float[][] review = layers.review(random);
            sample.offer("r" + r, review[0], review[1]);
        }
        DiagonalIntervals some = intervals.intervals(new double[] {0.5}, new double[] {Double.NaN}, L95);
        assertNotNull(some.cka().get(0));
        assertNull(some.ckaDebiased().get(0));
        assertEquals(10, some.reviews());
    }

    /**
     * From 4 to 12 reviews of unrelated 384-d layers: no zero-width interval and no lower bound at or above the
     * refined threshold (at 4 reviews the variance estimate was identically 0 and 66 of 400 such intervals
     * sat entirely above 0.85).
     */
    @Test
    void unrelatedLayersOnAHandfulOfReviewsGetNoIntervalOrAWideOne() {
        SyntheticLayers unrelated = new SyntheticLayers(0, 384, 1.0, 0, 4);
        LayerStatusRule rule = new LayerStatusRule(0.99, 0.85);
        SplittableRandom random = new SplittableRandom(12);
        for (int rep = 0; rep < 100; rep++) {
            CrossLayerCoMoments coMoments = new CrossLayerCoMoments(1, 384, 1, 384, GEMM, 64);
            RetainedReviews sample = new RetainedReviews(1, 384, 1, 384, 256);
            DiagonalCkaIntervals intervals = new DiagonalCkaIntervals(sample, GEMM);
            for (int n = 1; n <= 12; n++) {
                float[][] review = unrelated.review(random);
                coMoments.add(review[0], review[1]);
                sample.offer("r" + n, review[0], review[1]);
                if (n < 4) {
                    continue;
                }
                coMoments.flush();
                CkaScores scores = coMoments.scores();
                Interval debiased = intervals.intervals(scores.diagonal(), scores.diagonalDebiased(), L95)
                        .ckaDebiased().get(0);
                assertEquals(n < DiagonalCkaIntervals.MIN_REVIEWS, debiased == null, n + " reviews");
                if (debiased != null) {
                    assertTrue(debiased.halfWidth() > 0.05, n + " reviews: " + debiased);
                    LayerStatus status = rule.of(debiased);
                    assertTrue(status == LayerStatus.REWRITTEN || status == LayerStatus.SETTLING,
                            n + " reviews: " + status + " from " + debiased);
                }
            }
        }
    }

    /** Cached Gram matrices, updated slot by slot, give the same intervals as a fresh computation. */
    @Test
    void incrementalGramUpdatesMatchAFreshComputation() {
        SyntheticLayers layers = new SyntheticLayers(4, 16, 1.0, 0.6, 2);
        RetainedReviews sample = new RetainedReviews(1, 16, 1, 16, 64);
        DiagonalCkaIntervals cached = new DiagonalCkaIntervals(sample, GEMM);
        SplittableRandom random = new SplittableRandom(3);
        for (int r = 0; r < 2000; r++) {
            float[][] review = layers.review(random);
            sample.offer("r" + r, review[0], review[1]);
            if (r % 97 == 96) {
                cached.intervals(new double[] {0.5}, new double[] {0.5}, L95);
            }
        }
        Interval incremental = cached.intervals(new double[] {0.5}, new double[] {0.5}, L95).ckaDebiased().get(0);
        RetainedReviews copy = RetainedReviews.restore(sample.state());
        Interval fresh = new DiagonalCkaIntervals(copy, GEMM).intervals(new double[] {0.5}, new double[] {0.5}, L95)
                .ckaDebiased().get(0);
        assertNotSame(incremental, fresh);
        assertEquals(fresh.lower(), incremental.lower(), 1e-9);
        assertEquals(fresh.upper(), incremental.upper(), 1e-9);
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int k = 0; k < v.length; k++) {
            d[k] = v[k];
        }
        return d;
    }

    private static void assertWithinFactor(double expected, double actual, double factor) {
        assertTrue(actual <= expected * factor && actual >= expected / factor,
                actual + " not within a factor " + factor + " of " + expected);
    }
}
