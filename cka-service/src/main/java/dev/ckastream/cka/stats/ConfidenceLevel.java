package dev.ckastream.cka.stats;

import org.hipparchus.distribution.continuous.NormalDistribution;

/**
 * A two-sided confidence level such as 0.95, with its standard normal quantile
 * {@code z = Φ⁻¹((1 + level)/2)} (1.959964 for 0.95) from Hipparchus' {@link NormalDistribution}.
 */
public record ConfidenceLevel(double value) {

    private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(0, 1);

    public static final ConfidenceLevel NINETY_FIVE = new ConfidenceLevel(0.95);

    public ConfidenceLevel {
        if (!(value > 0 && value < 1)) {
            throw new IllegalArgumentException("confidence level must be in (0, 1), got " + value);
        }
    }

    /** Two-sided standard normal critical value. */
    public double z() {
        return STANDARD_NORMAL.inverseCumulativeProbability(0.5 + 0.5 * value);
    }
}
