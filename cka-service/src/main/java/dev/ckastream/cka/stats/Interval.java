package dev.ckastream.cka.stats;

/**
 * A closed confidence interval {@code [lower, upper]}. Where an interval is not defined (too few reviews,
 * an undefined point estimate) the APIs of this package return {@code null} instead of an instance.
 */
public record Interval(double lower, double upper) {

    public Interval {
        if (!(lower <= upper)) {
            throw new IllegalArgumentException("interval needs lower ≤ upper, got [" + lower + ", " + upper + "]");
        }
    }

    public boolean contains(double value) {
        return lower <= value && value <= upper;
    }

    public double midpoint() {
        return 0.5 * (lower + upper);
    }

    public double halfWidth() {
        return 0.5 * (upper - lower);
    }

    /** {@code [lower, upper]} as the score JSON writes it. */
    public double[] toArray() {
        return new double[] {lower, upper};
    }
}
