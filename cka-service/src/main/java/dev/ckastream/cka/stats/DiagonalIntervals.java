package dev.ckastream.cka.stats;

import java.util.List;

/**
 * Confidence intervals for each layer's diagonal CKA after {@code reviews} reviews: entry i is for layer i
 * of the first checkpoint against its aligned layer of the second. Entries are {@code null} where the
 * interval is undefined. Lists are unmodifiable.
 *
 * @param cka          around plain CKA: its sampling spread only, not its bias (see {@link DiagonalCkaIntervals})
 * @param ckaDebiased  around debiased CKA: covers the population CKA
 */
public record DiagonalIntervals(long reviews, double level, List<Interval> cka, List<Interval> ckaDebiased) {
}
