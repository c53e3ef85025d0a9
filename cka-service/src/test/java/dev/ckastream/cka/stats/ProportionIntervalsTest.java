package dev.ckastream.cka.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class ProportionIntervalsTest {

    private static final ConfidenceLevel L95 = ConfidenceLevel.NINETY_FIVE;

    @Test
    void zIsTheNormalQuantile() {
        assertEquals(1.959963984540054, L95.z(), 1e-12);
        assertEquals(1.6448536269514722, new ConfidenceLevel(0.90).z(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new ConfidenceLevel(1.0));
    }

    /** Newcombe (1998, Stat Med 17:857), Table I, method 3 (Wilson score), to the 4 decimals printed there. */
    @Test
    void wilsonMatchesNewcombesPublishedExamples() {
        assertInterval(0.2553, 0.3662, WilsonInterval.of(81, 263, L95), 5e-5);
        assertInterval(0.0624, 0.1605, WilsonInterval.of(15, 148, L95), 5e-5);
        assertInterval(0.0000, 0.1611, WilsonInterval.of(0, 20, L95), 5e-5);
        assertInterval(0.0061, 0.1718, WilsonInterval.of(1, 29, L95), 5e-5);
        assertNull(WilsonInterval.of(0, 0, L95));
        assertThrows(IllegalArgumentException.class, () -> WilsonInterval.of(3, 2, L95));
    }

    /** The Wilson interval is the set of p the score test accepts: find its ends by bisection instead. */
    @Test
    void wilsonEqualsTheScoreTestInversion() {
        SplittableRandom random = new SplittableRandom(9);
        for (int t = 0; t < 300; t++) {
            int n = 1 + random.nextInt(500);
            int k = random.nextInt(n + 1);
            ConfidenceLevel level = new ConfidenceLevel(0.5 + 0.49 * random.nextDouble());
            Interval w = WilsonInterval.of(k, n, level);
            double lower = k == 0 ? 0 : bisect(k, n, level.z(), 0, (double) k / n);
            double upper = k == n ? 1 : bisect(k, n, level.z(), 1, (double) k / n);
            assertInterval(lower, upper, w, 1e-9);
        }
    }

    /** Boundary between an accepted p (inside) and a rejected one (outside) of the score test. */
    private static double bisect(int k, int n, double z, double outside, double inside) {
        double phat = (double) k / n;
        for (int i = 0; i < 200; i++) {
            double mid = 0.5 * (outside + inside);
            boolean accepted = Math.abs(phat - mid) <= z * Math.sqrt(mid * (1 - mid) / n);
            if (accepted) {
                inside = mid;
            } else {
                outside = mid;
            }
        }
        return 0.5 * (outside + inside);
    }

    /**
     * Newcombe (1998, Stat Med 17:2635), Table II, method 10. His table is oriented as (a, b, c, d) with
     * b = first right only, and gives θ = p₁ − p₂; ours is the change p₂ − p₁, so the interval is mirrored.
     */
    @Test
    void newcombeMatchesPublishedPairedExamples() {
        assertInterval(-0.3404, -0.0569, new PairedProportionChange(36, 12, 2, 0).interval(L95), 5e-5);
        assertInterval(-0.0764, -0.0134, new PairedProportionChange(263, 15, 3, 0).interval(L95), 5e-5);
        assertInterval(-0.4649, 0.4649, new PairedProportionChange(2, 1, 1, 1).interval(L95), 5e-5);
        assertEquals(-0.2, new PairedProportionChange(36, 12, 2, 0).change(), 1e-15);
    }

    /** Example (a) by hand: Wilson limits of 48/50 and 38/50, φ from the corrected ad − bc = 0 − 24 = −24. */
    @Test
    void newcombeExampleWorkedByHand() {
        double z = 1.959963984540054;
        double n = 50;
        double p1 = 48 / n, p2 = 38 / n;
        double[] w1 = wilsonByHand(p1, n, z);
        double[] w2 = wilsonByHand(p2, n, z);
        double phi = -24 / Math.sqrt(48.0 * 2 * 38 * 12);
        // change p2 − p1 = −0.2; mirror Newcombe's formula for θ = p1 − p2
        double theta = p1 - p2;
        double lowerTheta = theta - Math.sqrt(sq(p1 - w1[0]) - 2 * phi * (p1 - w1[0]) * (w2[1] - p2) + sq(w2[1] - p2));
        double upperTheta = theta + Math.sqrt(sq(p2 - w2[0]) - 2 * phi * (p2 - w2[0]) * (w1[1] - p1) + sq(w1[1] - p1));
        assertInterval(-upperTheta, -lowerTheta, new PairedProportionChange(36, 12, 2, 0).interval(L95), 1e-12);
    }

    /** Random tables against the same construction built from score-test inversions (bisection). */
    @Test
    void newcombeAgreesWithAnIndependentComputation() {
        SplittableRandom random = new SplittableRandom(4);
        for (int t = 0; t < 300; t++) {
            int a = random.nextInt(60), b = random.nextInt(20), c = random.nextInt(20), d = random.nextInt(30);
            int n = a + b + c + d;
            if (n == 0) {
                continue;
            }
            double z = L95.z();
            int firstRight = a + b, secondRight = a + c;
            double p1 = (double) firstRight / n, p2 = (double) secondRight / n;
            double l1 = firstRight == 0 ? 0 : bisect(firstRight, n, z, 0, p1);
            double u1 = firstRight == n ? 1 : bisect(firstRight, n, z, 1, p1);
            double l2 = secondRight == 0 ? 0 : bisect(secondRight, n, z, 0, p2);
            double u2 = secondRight == n ? 1 : bisect(secondRight, n, z, 1, p2);
            double margins = (double) (a + b) * (c + d) * (a + c) * (b + d);
            double ad = (double) a * d - (double) b * c;
            double corrected = ad > n / 2.0 ? ad - n / 2.0 : Math.min(ad, 0);
            double phi = margins == 0 ? 0 : corrected / Math.sqrt(margins);
            double change = p2 - p1;
            double lower = change - Math.sqrt(Math.max(0, sq(p2 - l2) - 2 * phi * (p2 - l2) * (u1 - p1) + sq(u1 - p1)));
            double upper = change + Math.sqrt(Math.max(0, sq(u2 - p2) - 2 * phi * (u2 - p2) * (p1 - l1) + sq(p1 - l1)));
            assertInterval(Math.max(-1, lower), Math.min(1, upper),
                    new PairedProportionChange(a, b, c, d).interval(L95), 1e-7);
        }
    }

    @Test
    void verdictFollowsTheIntervalsSideOfZero() {
        // 30 reviews only the second gets right, 5 only the first: clearly better
        assertSame(ChangeVerdict.BETTER, new PairedProportionChange(300, 5, 30, 65).verdict(L95));
        assertSame(ChangeVerdict.WORSE, new PairedProportionChange(300, 30, 5, 65).verdict(L95));
        // a ±0.2 difference on 5 test reviews is no evidence
        assertSame(ChangeVerdict.NO_CLEAR_CHANGE, new PairedProportionChange(3, 0, 1, 1).verdict(L95));
        assertSame(ChangeVerdict.NO_CLEAR_CHANGE, new PairedProportionChange(10, 0, 0, 10).verdict(L95));
        assertNull(new PairedProportionChange(0, 0, 0, 0).verdict(L95));
        assertNull(new PairedProportionChange(0, 0, 0, 0).interval(L95));
        assertEquals("no-clear-change", ChangeVerdict.NO_CLEAR_CHANGE.wireName());
    }

    private static double[] wilsonByHand(double p, double n, double z) {
        double centre = (p + z * z / (2 * n)) / (1 + z * z / n);
        double half = z / (1 + z * z / n) * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n));
        return new double[] {centre - half, centre + half};
    }

    private static double sq(double v) {
        return v * v;
    }

    private static void assertInterval(double lower, double upper, Interval actual, double tolerance) {
        assertEquals(lower, actual.lower(), tolerance, "lower");
        assertEquals(upper, actual.upper(), tolerance, "upper");
    }
}
