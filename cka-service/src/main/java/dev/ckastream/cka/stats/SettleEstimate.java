package dev.ckastream.cka.stats;

/**
 * Whether every layer's status is decided, and if not, about how many more reviews that should take.
 *
 * @param settled          no layer is {@link LayerStatus#SETTLING} or {@link LayerStatus#UNKNOWN}
 * @param reviewsToSettle  estimated further reviews until the last straddling interval clears its threshold;
 *                         {@code null} when settled or not estimable (an unknown layer, or a point estimate
 *                         exactly on a threshold)
 */
public record SettleEstimate(boolean settled, Long reviewsToSettle) {

    public static final SettleEstimate SETTLED = new SettleEstimate(true, null);

    public SettleEstimate {
        if (settled && reviewsToSettle != null) {
            throw new IllegalArgumentException("a settled picture has no reviews to settle");
        }
        if (reviewsToSettle != null && reviewsToSettle < 0) {
            throw new IllegalArgumentException("reviewsToSettle must be ≥ 0");
        }
    }
}
