package dev.ckastream.cka.stats;

import java.util.ArrayList;
import java.util.List;

/**
 * The layer status rule on the debiased diagonal CKA interval {@code [lo, hi]}, with today's thresholds
 * ({@code cka.status.untouched} = 0.99, {@code cka.status.refined} = 0.85):
 * <ul>
 *   <li>{@code untouched} when lo ≥ untouchedAt;</li>
 *   <li>{@code rewritten} when hi &lt; refinedAt;</li>
 *   <li>{@code refined} when refinedAt ≤ lo and hi &lt; untouchedAt;</li>
 *   <li>{@code settling} otherwise (the interval straddles a threshold);</li>
 *   <li>{@code unknown} without an interval.</li>
 * </ul>
 * So a layer is called {@code refined} or {@code untouched} only once its interval is narrow enough to
 * say so, never from a point estimate on a handful of reviews.
 *
 * <h2>Settle estimate</h2>
 * A CKA interval's half-width h shrinks like 1/√n (first-order delta method, see
 * {@link DiagonalCkaIntervals}), so an interval centred at m clears a threshold t it straddles once
 * h·√(n/n') &lt; |m − t|, i.e. after {@code n' = n·(h/|m − t|)²} reviews in all. The estimate is the
 * largest {@code ⌈n' − n⌉} over the straddling layers, with t the threshold nearest to m (the one that
 * clears last as the interval shrinks around m). It assumes the centre stays put, so it is a rough guide,
 * refreshed at every emission.
 */
public record LayerStatusRule(double untouchedAt, double refinedAt) {

    public LayerStatusRule {
        if (!(refinedAt <= untouchedAt)) {
            throw new IllegalArgumentException("cka.status.refined (" + refinedAt
                    + ") must not exceed cka.status.untouched (" + untouchedAt + ")");
        }
    }

    public LayerStatus of(Interval debiasedDiagonal) {
        if (debiasedDiagonal == null) {
            return LayerStatus.UNKNOWN;
        }
        double lo = debiasedDiagonal.lower();
        double hi = debiasedDiagonal.upper();
        if (lo >= untouchedAt) {
            return LayerStatus.UNTOUCHED;
        }
        if (hi < refinedAt) {
            return LayerStatus.REWRITTEN;
        }
        if (lo >= refinedAt && hi < untouchedAt) {
            return LayerStatus.REFINED;
        }
        return LayerStatus.SETTLING;
    }

    /** One status per layer; {@code null} entries are undefined intervals. */
    public List<LayerStatus> of(List<Interval> debiasedDiagonal) {
        List<LayerStatus> statuses = new ArrayList<>(debiasedDiagonal.size());
        for (Interval interval : debiasedDiagonal) {
            statuses.add(of(interval));
        }
        return statuses;
    }

    /**
     * Settle estimate for intervals computed from {@code reviews} reviews (see the class comment).
     */
    public SettleEstimate settle(List<Interval> debiasedDiagonal, long reviews) {
        boolean settled = true;
        boolean estimable = reviews > 0;
        double needed = 0;
        for (Interval interval : debiasedDiagonal) {
            LayerStatus status = of(interval);
            if (status == LayerStatus.UNKNOWN) {
                settled = false;
                estimable = false;
            } else if (status == LayerStatus.SETTLING) {
                settled = false;
                double m = interval.midpoint();
                double distance = Math.min(Math.abs(m - refinedAt), Math.abs(m - untouchedAt));
                if (!(distance > 0)) {
                    estimable = false;
                    continue;
                }
                double ratio = interval.halfWidth() / distance;
                needed = Math.max(needed, reviews * ratio * ratio - reviews);
            }
        }
        if (settled) {
            return SettleEstimate.SETTLED;
        }
        if (!estimable || !(needed < Long.MAX_VALUE / 2.0)) {
            return new SettleEstimate(false, null);
        }
        // the 1e-6 keeps rounding of the bounds (0.7 + 0.9 ≠ 1.6 exactly) from adding a review
        return new SettleEstimate(false, Math.max(1L, (long) Math.ceil(needed - 1e-6)));
    }
}
