package dev.ckastream.cka.stats;

import dev.ckastream.cka.math.GemmEngine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Live confidence intervals for each layer's diagonal CKA, plain and debiased, from the full-data point
 * estimates (the co-moments' {@code CkaScores}) and a bounded retained sample ({@link RetainedReviews}).
 *
 * <h2>Method: second-order delta method for a ratio of U-statistics</h2>
 * Write x̃ = x − μ_x, ỹ = y − μ_y with the population means, k_ij = (x̃_iᵀx̃_j)(ỹ_iᵀỹ_j) and likewise
 * k^xx, k^yy. The debiased HSIC estimator of Song et al. (2012) is a U-statistic whose kernel, for the linear
 * kernel, has the same first two Hoeffding components as the order-2 U-statistic
 * {@code U = Σ_{i≠j} k_ij / n(n−1)} (its U-centring only removes terms of the form g(x_i) + g(x_j) + const,
 * which have mean zero after population centring); E k_ij = ‖Σ_xy‖²_F = H_xy. Debiased CKA is
 * {@code c = H_xy/√(H_xx H_yy)}; linearising the ratio, ĉ − c ≈ U_f, the U-statistic with kernel
 * <pre>
 *   f_ij = k_ij/S − (c/2)(k^xx_ij/H_xx + k^yy_ij/H_yy),   S = √(H_xx H_yy).
 * </pre>
 * Hoeffding's variance of an order-2 U-statistic (exact for U_f):
 * <pre>
 *   Var(ĉ) ≈ 2/(n(n−1)) · (2(n−2)·ζ₁ + ζ₂),   ζ₁ = Cov(f_12, f_13),   ζ₂ = Var(f_12).
 * </pre>
 * The first term is the usual influence-function (Hájek projection) variance 4ζ₁/n; the second is the
 * degenerate part, which is all there is when the layers are unrelated (c = 0, Σ_xy = 0, ζ₁ = 0): without
 * it the interval of two unrelated layers would be empty. The interval is {@code ĉ ± z·√Var(ĉ)}.
 *
 * <p><b>Estimating ζ₁, ζ₂ without self-terms.</b> From the R retained reviews, with f evaluated on their
 * pairs, by the unbiased U-statistic moment estimators over distinct indices only:
 * m₂ = mean over ordered pairs i≠j of f_ij², m₃ = mean over distinct triples of f_ij f_il, m₄ = mean over
 * disjoint pairs of f_ij f_kl (= θ²); ζ₁ = m₃ − m₄, ζ₂ = m₂ − m₄ (ζ₁ clamped at 0). With A = Σ_{i≠j} f_ij,
 * B = Σ f_ij², r_i = Σ_{j≠i} f_ij: Σ_triples = Σ r_i² − B, Σ_disjoint = A² − 2B − 4(Σ r_i² − B), all in
 * O(R²). No term pairs a review with itself, so the large ‖x̃_i‖²‖ỹ_i‖² self-products (of order d² when
 * d is large) never enter a variance. H_xx, H_yy are the off-diagonal means of k^xx, k^yy on the sample
 * (they only scale f; c comes from the full data).
 *
 * <p><b>Centring.</b> While the sample holds every review (n ≤ R) the sample's Gram matrices are U-centred
 * (Song et al. 2012: K̃_ij = K_ij − r_i/(n−2) − r_j/(n−2) + Σr/((n−1)(n−2)), i ≠ j), which removes the
 * mean without the −tr Σ/n offset that centring by the sample mean puts on every off-diagonal entry (at
 * d = 384 and n = 25 that offset is as large as the entries' spread). Once n &gt; R the entries are centred
 * by the running mean of all n reviews, whose offset O(tr Σ/n) is negligible next to their spread.
 *
 * <p><b>Plain CKA.</b> Plain CKA is a ratio of V-statistics (self-pairs included, centred by the sample
 * mean). The same delta method with c, H from the plain estimator gives its kernel f⁰; the V-statistic
 * (1/n²)Σ_{i,j} f⁰_ij = ((n−1)/n)·U + (1/n)·mean_i f⁰_ii, so
 * Var ≈ ((n−1)/n)²·Var(U) + Var(f⁰_ii)/n³ + 4(n−1)/n³·Cov(f⁰₁(z), f⁰(z,z)). The plain interval therefore
 * describes how much plain CKA would move between samples of the same size; it says nothing about plain
 * CKA's upward bias (0.79 for two unrelated 384-d layers at 100 reviews), which only the debiased interval
 * accounts for. Neither interval is clamped to [0, 1]: bounds outside are sampling noise, shown as such.
 *
 * <p><b>Cost.</b> Gram matrices of the retained sample are cached per layer and updated only in the slots
 * whose review changed (O(R·d) per changed slot and layer, one GEMM); each call then costs O(R·d) per layer
 * for the centring and O(R²) per diagonal pair. Memory: R² doubles per layer used (29 MB at R = 512 and
 * 7 + 7 layers) besides the sample itself.
 *
 * <p>Not thread-safe; call it from the thread that feeds the sample.
 */
public final class DiagonalCkaIntervals {

    /**
     * Fewest reviews with an interval (fewer: {@code null}, status {@code unknown}). At n = 4 the estimate is
     * degenerate, not just noisy: U-centring leaves the 4×4 Gram matrices zero row sums, so K̃₁₂ = K̃₃₄,
     * K̃₁₃ = K̃₂₄, K̃₁₄ = K̃₂₃, every f over disjoint pairs repeats, m₄ = m₂ ≥ m₃ and ζ₁ = ζ₂ = 0: a
     * zero-width interval, which calls a layer {@code untouched} on 4 reviews (unrelated 384-d layers: lower
     * bound ≥ 0.85 in 66 of 400 replicates). Coverage of the population CKA measured on the Gaussian cases
     * of the tests (d = 384 unrelated, d = 64 at CKA 0.65; 400 replicates): n = 5: 0.68/0.69, n = 6:
     * 0.79/0.79, n = 8: 0.87/0.90, n = 10: 0.92/0.84, n = 25: 0.95/0.89, n = 40: 0.94/0.94. From 8 on the
     * interval is about right and no unrelated replicate had a lower bound ≥ 0.85.
     */
    public static final int MIN_REVIEWS = 8;

    private final RetainedReviews sample;
    private final GemmEngine gemm;
    private final int[] secondLayerOf;
    private final int[] usedLayers;         // layer indices (first's, then second's) that some pair uses
    private final int[] gramIndexOfLayer;   // layer index → its slot in grams, −1 if unused
    private final double[][] grams;         // column-major capacity × capacity, shifted coordinates, symmetric
    private final long[] cachedVersions;    // slot versions the grams were computed for
    private int cachedSize;
    private final double[] slotVectors;     // d × size column-major: one layer of every retained review (shifted)
    private final double[] slotsByFeature;  // size × d column-major: the same, transposed, for SYRK
    private final double[][] centring;      // per used layer: x_sᵀμ for every slot, then μᵀμ at [capacity]
    private final double[] kx, ky;          // size × size scratch: centred Gram matrices of one pair

    /** Pairs layer i of the first checkpoint with layer {@link #alignedByDepth}(i) of the second. */
    public DiagonalCkaIntervals(RetainedReviews sample, GemmEngine gemm) {
        this(sample, gemm, alignedByDepth(sample.layersFirst(), sample.layersSecond()));
    }

    public DiagonalCkaIntervals(RetainedReviews sample, GemmEngine gemm, int[] secondLayerOf) {
        this.sample = sample;
        this.gemm = gemm;
        this.secondLayerOf = secondLayerOf.clone();
        if (secondLayerOf.length != sample.layersFirst()) {
            throw new IllegalArgumentException("one aligned second layer per first layer expected");
        }
        int layers = sample.layersFirst() + sample.layersSecond();
        gramIndexOfLayer = new int[layers];
        Arrays.fill(gramIndexOfLayer, -1);
        List<Integer> used = new ArrayList<>();
        for (int i = 0; i < sample.layersFirst(); i++) {
            int j = secondLayerOf[i];
            if (j < 0 || j >= sample.layersSecond()) {
                throw new IllegalArgumentException("aligned second layer " + j + " out of range");
            }
            for (int a : new int[] {i, sample.layersFirst() + j}) {
                if (gramIndexOfLayer[a] < 0) {
                    gramIndexOfLayer[a] = used.size();
                    used.add(a);
                }
            }
        }
        usedLayers = used.stream().mapToInt(Integer::intValue).toArray();
        int cap = sample.capacity();
        grams = new double[usedLayers.length][cap * cap];
        centring = new double[usedLayers.length][cap + 1];
        cachedVersions = new long[cap];
        int maxDim = Math.max(sample.dimFirst(), sample.dimSecond());
        slotVectors = new double[cap * maxDim + maxDim];
        slotsByFeature = new double[cap * maxDim + cap];
        kx = new double[cap * cap];
        ky = new double[cap * cap];
    }

    /** {@code round(i·(LB−1)/(LA−1))}, the relative-depth alignment of {@code CkaScores#alignedLayerB}. */
    public static int[] alignedByDepth(int layersFirst, int layersSecond) {
        int[] aligned = new int[layersFirst];
        for (int i = 0; i < layersFirst; i++) {
            aligned[i] = layersFirst == 1 ? 0 : (int) Math.round((double) i * (layersSecond - 1) / (layersFirst - 1));
        }
        return aligned;
    }

    /**
     * Intervals around the given full-data diagonal estimates (entry i: layer i of the first checkpoint vs
     * its aligned layer), computed for the reviews offered to the sample so far. NaN estimates give
     * {@code null} intervals, as do fewer than {@link #MIN_REVIEWS} reviews (retained or counted).
     */
    public DiagonalIntervals intervals(double[] ckaDiagonal, double[] ckaDebiasedDiagonal, ConfidenceLevel level) {
        int la = sample.layersFirst();
        if (ckaDiagonal.length != la || ckaDebiasedDiagonal.length != la) {
            throw new IllegalArgumentException("expected " + la + " diagonal values");
        }
        long n = sample.reviews();
        Interval[] plain = new Interval[la];
        Interval[] debiased = new Interval[la];
        if (n >= MIN_REVIEWS && sample.size() >= MIN_REVIEWS) {
            refreshGrams();
            double z = level.z();
            double[] rowSums = new double[sample.size()];
            double[] diagonal = new double[sample.size()];
            for (int i = 0; i < la; i++) {
                int x = gramIndexOfLayer[i];
                int y = gramIndexOfLayer[la + secondLayerOf[i]];
                plain[i] = around(ckaDiagonal[i], z, plainVariance(x, y, ckaDiagonal[i], n, rowSums, diagonal));
                debiased[i] = around(ckaDebiasedDiagonal[i], z, debiasedVariance(x, y, ckaDebiasedDiagonal[i], n,
                        rowSums));
            }
        }
        return new DiagonalIntervals(n, level.value(), Collections.unmodifiableList(Arrays.asList(plain)),
                Collections.unmodifiableList(Arrays.asList(debiased)));
    }

    private static Interval around(double point, double z, double variance) {
        if (Double.isNaN(point) || !(variance >= 0) || Double.isInfinite(variance)) {
            return null;
        }
        double half = z * Math.sqrt(variance);
        return new Interval(point - half, point + half);
    }

    // ------------------------------------------------------------------ Gram cache

    private void refreshGrams() {
        int size = sample.size();
        int cap = sample.capacity();
        int[] dirty = new int[size];
        int m = 0;
        for (int s = 0; s < size; s++) {
            if (s >= cachedSize || cachedVersions[s] != sample.slotVersion(s)) {
                dirty[m++] = s;
            }
        }
        double[] mu = new double[Math.max(sample.dimFirst(), sample.dimSecond())];
        for (int g = 0; g < usedLayers.length; g++) {
            int a = usedLayers[g];
            int off = sample.layerOffset(a);
            int d = sample.layerDim(a);
            double mm = 0;
            for (int k = 0; k < d; k++) {
                mu[k] = sample.shiftedMean(off + k);
                mm += mu[k] * mu[k];
            }
            double[] c = centring[g];
            for (int s = 0; s < size; s++) {
                c[s] = sample.dotShifted(s, off, d, mu);
            }
            c[cap] = mm;
            if (m == 0) {
                continue;
            }
            for (int s = 0; s < size; s++) {
                sample.copyShifted(s, off, d, slotVectors, s * d);
            }
            double[] gram = grams[g];
            if (m * 4 >= size) {
                // most slots changed (the sample is filling): one SYRK, half the work of a GEMM
                for (int s = 0; s < size; s++) {
                    for (int k = 0; k < d; k++) {
                        slotsByFeature[s + k * size] = slotVectors[k + s * d];
                    }
                }
                gemm.dsyrkUpper(size, d, 1.0, slotsByFeature, 0, size, 0.0, gram, 0, cap);
                for (int t = 0; t < size; t++) {
                    for (int s = 0; s < t; s++) {
                        gram[t + s * cap] = gram[s + t * cap];
                    }
                }
            } else {
                double[] changed = new double[m * d + d];
                for (int r = 0; r < m; r++) {
                    System.arraycopy(slotVectors, dirty[r] * d, changed, r * d, d);
                }
                double[] columns = new double[size * m + size];
                gemm.dgemm(true, false, size, m, d, 1.0, slotVectors, 0, d, changed, 0, d, 0.0, columns, 0, size);
                for (int r = 0; r < m; r++) {
                    int t = dirty[r];
                    for (int s = 0; s < size; s++) {
                        double v = columns[s + r * size];
                        gram[s + t * cap] = v;
                        gram[t + s * cap] = v;
                    }
                }
            }
        }
        for (int r = 0; r < m; r++) {
            cachedVersions[dirty[r]] = sample.slotVersion(dirty[r]);
        }
        cachedSize = size;
    }

    /**
     * Fills {@code out} (column-major R×R, diagonal included) with layer g's Gram centred for the debiased
     * estimator: U-centred while the sample is all reviews, else centred by the running mean.
     */
    private void centredForDebiased(int g, long n, double[] out) {
        int size = sample.size();
        int cap = sample.capacity();
        double[] gram = grams[g];
        if (n == size) {
            double[] r = new double[size];
            double total = 0;
            for (int t = 0; t < size; t++) {
                double acc = 0;
                for (int s = 0; s < size; s++) {
                    acc += s == t ? 0 : gram[s + t * cap];
                }
                r[t] = acc;
                total += acc;
            }
            double corner = total / ((double) (size - 1) * (size - 2));
            for (int t = 0; t < size; t++) {
                for (int s = 0; s < size; s++) {
                    out[s + t * size] = s == t ? 0
                            : gram[s + t * cap] - (r[s] + r[t]) / (size - 2) + corner;
                }
            }
        } else {
            meanCentred(g, out);
        }
    }

    private void meanCentred(int g, double[] out) {
        int size = sample.size();
        int cap = sample.capacity();
        double[] gram = grams[g];
        double[] c = centring[g];
        for (int t = 0; t < size; t++) {
            for (int s = 0; s < size; s++) {
                out[s + t * size] = gram[s + t * cap] - c[s] - c[t] + c[cap];
            }
        }
    }

    // ------------------------------------------------------------------ variances

    private double debiasedVariance(int gx, int gy, double c, long n, double[] rowSums) {
        if (Double.isNaN(c)) {
            return Double.NaN;
        }
        int size = sample.size();
        centredForDebiased(gx, n, kx);
        centredForDebiased(gy, n, ky);
        double hxx = 0, hyy = 0;
        for (int t = 0; t < size; t++) {
            for (int s = 0; s < t; s++) {
                double a = kx[s + t * size], b = ky[s + t * size];
                hxx += a * a;
                hyy += b * b;
            }
        }
        if (!(hxx > 0) || !(hyy > 0)) {
            return Double.NaN;
        }
        double pairs = 0.5 * size * (size - 1.0);
        hxx /= pairs;
        hyy /= pairs;
        UMoments u = uMoments(kx, ky, size, 1 / Math.sqrt(hxx * hyy), c / (2 * hxx), c / (2 * hyy), rowSums);
        return u.varianceOfMean(n);
    }

    private double plainVariance(int gx, int gy, double c, long n, double[] rowSums, double[] diagonal) {
        if (Double.isNaN(c)) {
            return Double.NaN;
        }
        int size = sample.size();
        meanCentred(gx, kx);
        meanCentred(gy, ky);
        double hxx = 0, hyy = 0;
        for (int e = 0; e < size * size; e++) {
            hxx += kx[e] * kx[e];
            hyy += ky[e] * ky[e];
        }
        if (!(hxx > 0) || !(hyy > 0)) {
            return Double.NaN;
        }
        hxx /= (double) size * size;
        hyy /= (double) size * size;
        double wxy = 1 / Math.sqrt(hxx * hyy), wxx = c / (2 * hxx), wyy = c / (2 * hyy);
        UMoments u = uMoments(kx, ky, size, wxy, wxx, wyy, rowSums);
        double diagMean = 0;
        for (int s = 0; s < size; s++) {
            double a = kx[s + s * size], b = ky[s + s * size];
            diagonal[s] = wxy * a * b - wxx * a * a - wyy * b * b;
            diagMean += diagonal[s];
        }
        diagMean /= size;
        double diagVar = 0, cross = 0;
        for (int s = 0; s < size; s++) {
            double e = diagonal[s] - diagMean;
            diagVar += e * e;
            cross += rowSums[s] / (size - 1) * diagonal[s];
        }
        diagVar /= size - 1;
        double cov = cross / size - u.mean() * diagMean;
        double nn = n;
        double a = (nn - 1) / nn;
        return a * a * u.varianceOfMean(n) + diagVar / (nn * nn * nn) + 4 * (nn - 1) / (nn * nn * nn) * cov;
    }

    /** Distinct-index moment sums of f_ij = wxy·kx·ky − wxx·kx² − wyy·ky² over the sample's pairs. */
    private static UMoments uMoments(double[] kx, double[] ky, int size, double wxy, double wxx, double wyy,
                                     double[] rowSums) {
        Arrays.fill(rowSums, 0, size, 0);
        double sum = 0, squares = 0;
        for (int t = 0; t < size; t++) {
            int col = t * size;
            double rowT = 0;
            for (int s = 0; s < t; s++) {
                double a = kx[s + col], b = ky[s + col];
                double f = wxy * a * b - wxx * a * a - wyy * b * b;
                rowT += f;
                rowSums[s] += f;
                sum += f;
                squares += f * f;
            }
            rowSums[t] += rowT;
        }
        double rows = 0;
        for (int s = 0; s < size; s++) {
            rows += rowSums[s] * rowSums[s];
        }
        // ordered-pair sums: A = 2·sum, B = 2·squares
        double a = 2 * sum, b = 2 * squares;
        double triples = rows - b;
        double disjoint = a * a - 2 * b - 4 * triples;
        double r = size;
        double m1 = a / (r * (r - 1));
        double m2 = b / (r * (r - 1));
        double m3 = triples / (r * (r - 1) * (r - 2));
        double m4 = disjoint / (r * (r - 1) * (r - 2) * (r - 3));
        return new UMoments(m1, Math.max(0, m3 - m4), Math.max(0, m2 - m4));
    }

    /** Mean, ζ₁ and ζ₂ of a symmetric order-2 kernel. */
    private record UMoments(double mean, double zeta1, double zeta2) {
        double varianceOfMean(long n) {
            double nn = n;
            return 2 / (nn * (nn - 1)) * (2 * (nn - 2) * zeta1 + zeta2);
        }
    }
}
