package dev.ckastream.cka.math;

import dev.ckastream.contract.Side;

/**
 * Linear CKA between every layer i of the first checkpoint and every layer j of the second after
 * {@code reviews} reviews. {@code cka[i][j]} is the plain (biased-HSIC) linear CKA, {@code ckaDebiased[i][j]}
 * the CKA built on the unbiased HSIC estimator (Song et al. 2012).
 *
 * <p>Entries are {@code NaN} when undefined: plain CKA for n &lt; 2; debiased CKA for n &lt; 4; both when
 * either layer is constant, i.e. its self-HSIC is at most a relative tolerance of its squared scale (see
 * {@link CrossLayerCoMoments#CONSTANT_LAYER_TOLERANCE}), so that rounding noise on a constant layer is not
 * divided by rounding noise.
 *
 * <p>Range: plain CKA lies in [0, 1] (Cauchy–Schwarz for the Frobenius inner product). The unbiased HSIC
 * is an inner product of U-centred Gram matrices, {@code HSIC₁(x, y) = ⟨Ũ(K), Ũ(L)⟩ / (n(n−3))} (Székely
 * and Rizzo 2014), so self-HSIC₁ {@code = ‖Ũ(K)‖² / (n(n−3))} is never negative, and by Cauchy–Schwarz
 * {@code |HSIC₁(x, y)| ≤ √(HSIC₁(x, x)·HSIC₁(y, y))}: debiased CKA lies in [−1, 1], beyond rounding never
 * above 1. It is not clamped: independent layers read slightly below 0.
 *
 * <p>Arrays are owned by the record: treat them as read-only.
 */
public record CkaScores(long reviews, double[][] cka, double[][] ckaDebiased) {

    public CkaScores {
        if (cka.length != ckaDebiased.length) {
            throw new IllegalArgumentException("cka and ckaDebiased differ in the first checkpoint's layer count");
        }
    }

    /** Layer count of one checkpoint (rows of the matrices: first; columns: second). */
    public int layers(Side side) {
        return side == Side.FIRST ? cka.length : cka.length == 0 ? 0 : cka[0].length;
    }

    /**
     * Layer of the second checkpoint aligned with layer i of the first by relative depth:
     * {@code round(i·(L₂−1)/(L₁−1))}; with equal layer counts this is {@code i} (plain diagonal). E.g. 7 vs
     * 13 layers: 0→0, 1→2, 2→4, …, 6→12.
     */
    public int alignedSecondLayer(int i) {
        int firstLayers = layers(Side.FIRST);
        int secondLayers = layers(Side.SECOND);
        if (i < 0 || i >= firstLayers) {
            throw new IndexOutOfBoundsException(i);
        }
        if (firstLayers == 1) {
            return 0;
        }
        return (int) Math.round((double) i * (secondLayers - 1) / (firstLayers - 1));
    }

    /** {@code cka[i][alignedSecondLayer(i)]} for every layer i of the first checkpoint (the diagonal when L₁ == L₂). */
    public double[] diagonal() {
        return aligned(cka);
    }

    /** {@code ckaDebiased[i][alignedSecondLayer(i)]} for every layer i of the first checkpoint. */
    public double[] diagonalDebiased() {
        return aligned(ckaDebiased);
    }

    /** For each layer i of the first checkpoint, the second's layer j with the largest plain CKA (NaN ignored; −1 if all NaN). */
    public int[] bestSecondMatch() {
        return argmaxRows(cka);
    }

    /** For each layer i of the first checkpoint, the second's layer j with the largest debiased CKA (−1 if all NaN). */
    public int[] bestSecondMatchDebiased() {
        return argmaxRows(ckaDebiased);
    }

    private double[] aligned(double[][] m) {
        double[] d = new double[layers(Side.FIRST)];
        for (int i = 0; i < d.length; i++) {
            d[i] = m[i][alignedSecondLayer(i)];
        }
        return d;
    }

    private static int[] argmaxRows(double[][] m) {
        int[] best = new int[m.length];
        for (int i = 0; i < m.length; i++) {
            int arg = -1;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < m[i].length; j++) {
                if (!Double.isNaN(m[i][j]) && (arg < 0 || m[i][j] > max)) {
                    max = m[i][j];
                    arg = j;
                }
            }
            best[i] = arg;
        }
        return best;
    }
}
