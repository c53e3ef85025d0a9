package dev.ckastream.contract;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The score record (README, "Score JSON"): on {@code cka.scores} (key {@link Topics#scoresKey}), at
 * {@code GET /scores} and as the events of {@code GET /scores/stream}. Undefined numbers are {@code null}:
 * debiased CKA below 4 reviews, a probe accuracy before it has enough data, a CKA interval below 8 reviews
 * (its variance estimate is degenerate at 4 and far too narrow below 8), a probe interval before its accuracy.
 *
 * @param version          the contract version it was written under, {@link ContractVersion#CURRENT}
 *                         (absent in version 1)
 * @param pair             checkpoint names: rows of the matrices are the first's layers, columns the second's
 * @param reviews          reviews counted (both halves arrived, each id once)
 * @param labeled          of which labelled
 * @param layers           the first checkpoint's layer count (embedding output + blocks)
 * @param cka              cka[i][j]: plain linear CKA of layer i of the first checkpoint vs layer j of the second
 * @param ckaDebiased      the same from the unbiased HSIC estimator
 * @param probe            per checkpoint name: test accuracy per layer; plus {@code trainReviews}, {@code testReviews}
 * @param status           per layer, from the debiased diagonal CKA's interval: {@code untouched},
 *                         {@code refined}, {@code rewritten}, {@code settling} or {@code unknown}
 * @param intervals        confidence intervals at {@link Intervals#level}
 * @param probeVerdict     per layer: {@code better}, {@code worse}, {@code no-clear-change}, or null
 * @param probeConverged   per checkpoint name, per layer: whether the probe's fit converged (null: not fitted)
 * @param settled          no layer is {@code settling} or {@code unknown} (false before the first review)
 * @param reviewsToSettle  estimated further reviews until settled; null when settled or not estimable
 * @param pending          halves waiting for their other half
 * @param deadLetters      activation records dead-lettered so far
 * @param reviewsPerSecond counting rate over the last emissions
 * @param updatedAt        ISO-8601 instant of this computation
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonPropertyOrder({ "version", "pair", "reviews", "labeled", "layers", "cka", "ckaDebiased", "probe", "status",
        "intervals", "probeVerdict", "probeConverged", "settled", "reviewsToSettle", "pending", "deadLetters",
        "reviewsPerSecond", "updatedAt" })
public record ScoreReport(int version, List<String> pair, long reviews, long labeled, int layers, Double[][] cka,
        Double[][] ckaDebiased, Map<String, Object> probe, List<String> status, Intervals intervals,
        List<String> probeVerdict, Map<String, List<Boolean>> probeConverged, boolean settled, Long reviewsToSettle,
        int pending, long deadLetters, double reviewsPerSecond, String updatedAt) {

    /**
     * Confidence intervals, each {@code [lower, upper]} or null where undefined.
     *
     * @param level               the confidence level, e.g. 0.95
     * @param reviews             the review count at which the CKA intervals' variances were last computed;
     *                            while reviews stream they are recomputed about once a second and, between,
     *                            each half-width is scaled by sqrt(reviews / current count)
     * @param ckaDiagonal         per layer: plain diagonal CKA (its sampling spread, not its bias)
     * @param ckaDebiasedDiagonal per layer: debiased diagonal CKA (covers the population CKA)
     * @param probe               per checkpoint name, per layer: Wilson score interval of the test accuracy
     * @param probeDelta          per layer: Newcombe's paired interval of second minus first accuracy
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonPropertyOrder({ "level", "reviews", "ckaDiagonal", "ckaDebiasedDiagonal", "probe", "probeDelta" })
    public record Intervals(double level, long reviews, List<double[]> ckaDiagonal, List<double[]> ckaDebiasedDiagonal,
            Map<String, List<double[]>> probe, List<double[]> probeDelta) {
    }
}
