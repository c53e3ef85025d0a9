package dev.ckastream.contract;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The score record (README, "Score JSON"): on {@code cka.scores} (key {@link Topics#scoresKey}), at
 * {@code GET /scores} and as the events of {@code GET /scores/stream}. Undefined numbers are {@code null}:
 * debiased CKA below 4 reviews, a probe accuracy before it has enough data.
 *
 * @param version     the contract version it was written under, {@link ContractVersion#CURRENT} (absent in
 *                    version 1)
 * @param pair        checkpoint names: rows of the matrices are the first's layers, columns the second's
 * @param reviews     reviews counted (both halves arrived, each id once)
 * @param labeled     of which labelled
 * @param layers      the first checkpoint's layer count (embedding output + blocks)
 * @param cka         cka[i][j]: plain linear CKA of layer i of the first checkpoint vs layer j of the second
 * @param ckaDebiased the same from the unbiased HSIC estimator
 * @param probe       per checkpoint name: test accuracy per layer; plus {@code trainReviews}, {@code testReviews}
 * @param status      per layer (diagonal CKA): {@code untouched}, {@code refined} or {@code rewritten}
 * @param pending     halves waiting for their other half
 * @param deadLetters activation records dead-lettered so far
 * @param reviewsPerSecond counting rate over the last emissions
 * @param updatedAt   ISO-8601 instant of this computation
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonPropertyOrder({ "version", "pair", "reviews", "labeled", "layers", "cka", "ckaDebiased", "probe", "status",
        "pending", "deadLetters", "reviewsPerSecond", "updatedAt" })
public record ScoreReport(int version, List<String> pair, long reviews, long labeled, int layers, Double[][] cka,
        Double[][] ckaDebiased, Map<String, Object> probe, List<String> status, int pending, long deadLetters,
        double reviewsPerSecond, String updatedAt) {
}
