package dev.ckastream.cka.stats;

/**
 * Change of a proportion between two classifiers measured on the <b>same</b> reviews (a probe of the first
 * checkpoint and one of the second, on one test fold), from the paired 2×2 counts:
 * <pre>
 *                     second right   second wrong
 *   first right       bothRight      onlyFirstRight
 *   first wrong       onlySecondRight neitherRight
 * </pre>
 * The change is {@code p₂ − p₁ = (onlySecondRight − onlyFirstRight)/n}; only the discordant counts move it,
 * but the concordant ones set n and the correlation of the two proportions.
 *
 * <h2>Interval: Newcombe (1998), method 10</h2>
 * Newcombe, "Improved confidence intervals for the difference between binomial proportions based on paired
 * data", Statistics in Medicine 17:2635–2650. With Wilson intervals {@code [l₁,u₁]} for p₁ and
 * {@code [l₂,u₂]} for p₂ (see {@link WilsonInterval}) and the change written as θ = p₂ − p₁:
 * <pre>
 *   lower = θ − √((p₂−l₂)² − 2φ(p₂−l₂)(u₁−p₁) + (u₁−p₁)²)
 *   upper = θ + √((u₂−p₂)² − 2φ(u₂−p₂)(p₁−l₁) + (p₁−l₁)²)
 * </pre>
 * where φ estimates the correlation of the two paired outcomes, φ = C/√(row and column margins' product)
 * with, for the table oriented as above ({@code A = bothRight·neitherRight − onlyFirstRight·onlySecondRight}),
 * C = A − n/2 when A &gt; n/2, 0 when 0 ≤ A ≤ n/2, A when A &lt; 0; φ = 0 when any margin is 0. This is the
 * square-and-add construction with the correlation correction that makes it a paired method; unlike the
 * Wald interval it stays inside [−1, 1] and does not collapse when there are no discordant pairs.
 */
public record PairedProportionChange(long bothRight, long onlyFirstRight, long onlySecondRight, long neitherRight) {

    public PairedProportionChange {
        if (bothRight < 0 || onlyFirstRight < 0 || onlySecondRight < 0 || neitherRight < 0) {
            throw new IllegalArgumentException("paired counts must be ≥ 0");
        }
    }

    public long reviews() {
        return bothRight + onlyFirstRight + onlySecondRight + neitherRight;
    }

    /** {@code p₂ − p₁}, NaN without reviews. */
    public double change() {
        long n = reviews();
        return n == 0 ? Double.NaN : (double) (onlySecondRight - onlyFirstRight) / n;
    }

    /** Newcombe's method-10 interval for {@code p₂ − p₁}, {@code null} without reviews. */
    public Interval interval(ConfidenceLevel level) {
        long n = reviews();
        if (n == 0) {
            return null;
        }
        long firstRight = bothRight + onlyFirstRight;
        long secondRight = bothRight + onlySecondRight;
        double p1 = (double) firstRight / n;
        double p2 = (double) secondRight / n;
        Interval w1 = WilsonInterval.of(firstRight, n, level);
        Interval w2 = WilsonInterval.of(secondRight, n, level);
        double phi = correlation(n);
        double theta = p2 - p1;
        double down2 = p2 - w2.lower(), up1 = w1.upper() - p1;
        double up2 = w2.upper() - p2, down1 = p1 - w1.lower();
        double lower = theta - Math.sqrt(Math.max(0, down2 * down2 - 2 * phi * down2 * up1 + up1 * up1));
        double upper = theta + Math.sqrt(Math.max(0, up2 * up2 - 2 * phi * up2 * down1 + down1 * down1));
        return new Interval(Math.max(-1, lower), Math.min(1, upper));
    }

    /** {@link ChangeVerdict} of {@link #interval}, {@code null} without reviews. */
    public ChangeVerdict verdict(ConfidenceLevel level) {
        return ChangeVerdict.of(interval(level));
    }

    private double correlation(long n) {
        double margins = (double) (bothRight + onlyFirstRight) * (onlySecondRight + neitherRight)
                * (bothRight + onlySecondRight) * (onlyFirstRight + neitherRight);
        if (margins == 0) {
            return 0;
        }
        double a = (double) bothRight * neitherRight - (double) onlyFirstRight * onlySecondRight;
        double c = a > n / 2.0 ? a - n / 2.0 : a >= 0 ? 0 : a;
        return c / Math.sqrt(margins);
    }
}
