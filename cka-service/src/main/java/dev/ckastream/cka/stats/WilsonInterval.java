package dev.ckastream.cka.stats;

/**
 * Wilson score interval for a binomial proportion k/n (Wilson 1927; recommended by Newcombe 1998 and by
 * Brown, Cai &amp; DasGupta 2001 over the Wald interval, which collapses to a point at k = 0 or k = n and
 * undercovers at small n): the set of p whose score test {@code |k/n − p| / √(p(1−p)/n) ≤ z} accepts,
 * <pre>
 *   centre = (p̂ + z²/2n) / (1 + z²/n),   half-width = z·√(p̂(1−p̂)/n + z²/4n²) / (1 + z²/n).
 * </pre>
 * Always inside [0, 1]; a probe accuracy measured on the test reviews is such a proportion.
 */
public final class WilsonInterval {

    private WilsonInterval() {
    }

    /** The interval for {@code successes} of {@code trials}, or {@code null} when {@code trials == 0}. */
    public static Interval of(long successes, long trials, ConfidenceLevel level) {
        if (trials < 0 || successes < 0 || successes > trials) {
            throw new IllegalArgumentException("need 0 ≤ successes ≤ trials, got " + successes + " of " + trials);
        }
        if (trials == 0) {
            return null;
        }
        double n = trials;
        double p = successes / n;
        double z = level.z();
        double z2 = z * z;
        double denominator = 1 + z2 / n;
        double centre = (p + z2 / (2 * n)) / denominator;
        double half = z * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
        // exact 0 and 1 at the extremes (the formula gives them up to rounding)
        double lower = successes == 0 ? 0 : Math.max(0, centre - half);
        double upper = successes == trials ? 1 : Math.min(1, centre + half);
        return new Interval(lower, upper);
    }
}
