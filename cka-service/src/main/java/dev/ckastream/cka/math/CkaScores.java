package dev.ckastream.cka.math;

/**
 * Linear CKA between every layer i of checkpoint A and every layer j of checkpoint B after {@code reviews}
 * reviews. {@code cka[i][j]} is the plain (biased-HSIC) linear CKA, {@code ckaDebiased[i][j]} the CKA built
 * on the unbiased HSIC estimator (Song et al. 2012). Entries are {@code NaN} when undefined: plain CKA for
 * n &lt; 2 or a constant layer; debiased CKA for n &lt; 4 or when the unbiased self-HSIC of either layer is
 * not strictly positive (it estimates ‖Σ‖²_F, which is ≥ 0, but the estimate can be ≤ 0 at tiny n or for
 * constant layers, where a ratio would be meaningless). Debiased values are not clamped: they can be
 * slightly negative (independent layers) or, at small n, exceed 1 by sampling noise.
 *
 * <p>Arrays are owned by the record: treat them as read-only.
 */
public record CkaScores(long reviews, double[][] cka, double[][] ckaDebiased) {

    public CkaScores {
        if (cka.length != ckaDebiased.length) {
            throw new IllegalArgumentException("cka and ckaDebiased differ in layersA");
        }
    }

    public int layersA() {
        return cka.length;
    }

    public int layersB() {
        return cka.length == 0 ? 0 : cka[0].length;
    }

    /**
     * Layer of B aligned with layer i of A by relative depth: {@code round(i·(LB−1)/(LA−1))}; with equal
     * layer counts this is {@code i} (plain diagonal). E.g. 7 vs 13 layers: 0→0, 1→2, 2→4, …, 6→12.
     */
    public int alignedLayerB(int i) {
        int la = layersA();
        int lb = layersB();
        if (i < 0 || i >= la) {
            throw new IndexOutOfBoundsException(i);
        }
        if (la == 1) {
            return 0;
        }
        return (int) Math.round((double) i * (lb - 1) / (la - 1));
    }

    /** {@code cka[i][alignedLayerB(i)]} for every layer i of A (the diagonal when LA == LB). */
    public double[] diagonal() {
        return aligned(cka);
    }

    /** {@code ckaDebiased[i][alignedLayerB(i)]} for every layer i of A. */
    public double[] diagonalDebiased() {
        return aligned(ckaDebiased);
    }

    /** For each layer i of A, the layer j of B with the largest plain CKA (NaN entries ignored; −1 if all NaN). */
    public int[] bestMatchB() {
        return argmaxRows(cka);
    }

    /** For each layer i of A, the layer j of B with the largest debiased CKA (−1 if all NaN). */
    public int[] bestMatchBDebiased() {
        return argmaxRows(ckaDebiased);
    }

    private double[] aligned(double[][] m) {
        double[] d = new double[layersA()];
        for (int i = 0; i < d.length; i++) {
            d[i] = m[i][alignedLayerB(i)];
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
