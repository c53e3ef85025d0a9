package dev.ckastream.cka.math;

/**
 * Direct full-batch reference estimators for tests. X is n×dx, Y is n×dy (row = sample).
 * Plain CKA: two-pass column centring, then Frobenius norms of X̄ᵀȲ, X̄ᵀX̄, ȲᵀȲ.
 * Debiased: the O(n²) Gram-matrix HSIC₁ of Song et al. (2012) with zeroed diagonals.
 */
public final class OfflineCka {

    private OfflineCka() {
    }

    public static double[][] centre(double[][] x) {
        int n = x.length;
        int d = x[0].length;
        double[] mean = new double[d];
        for (double[] row : x) {
            for (int k = 0; k < d; k++) {
                mean[k] += row[k];
            }
        }
        for (int k = 0; k < d; k++) {
            mean[k] /= n;
        }
        double[][] c = new double[n][d];
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < d; k++) {
                c[r][k] = x[r][k] - mean[k];
            }
        }
        return c;
    }

    /** ‖XᵀY‖²_F computed feature-space, directly. */
    static double crossFrobSq(double[][] x, double[][] y) {
        int dx = x[0].length;
        int dy = y[0].length;
        double acc = 0;
        double[] col = new double[dy];
        for (int k = 0; k < dx; k++) {
            java.util.Arrays.fill(col, 0);
            for (int r = 0; r < x.length; r++) {
                double v = x[r][k];
                double[] yr = y[r];
                for (int l = 0; l < dy; l++) {
                    col[l] += v * yr[l];
                }
            }
            for (int l = 0; l < dy; l++) {
                acc += col[l] * col[l];
            }
        }
        return acc;
    }

    public static double linearCka(double[][] x, double[][] y) {
        double[][] xc = centre(x);
        double[][] yc = centre(y);
        return crossFrobSq(xc, yc) / Math.sqrt(crossFrobSq(xc, xc) * crossFrobSq(yc, yc));
    }

    static double[][] gram(double[][] x) {
        int n = x.length;
        double[][] k = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double acc = 0;
                for (int f = 0; f < x[i].length; f++) {
                    acc += x[i][f] * x[j][f];
                }
                k[i][j] = acc;
            }
        }
        return k;
    }

    /** Unbiased HSIC estimator from Gram matrices, diagonals zeroed, exactly as in Song et al. (2012). */
    static double hsic1Gram(double[][] kIn, double[][] lIn) {
        int n = kIn.length;
        double[][] k = new double[n][];
        double[][] l = new double[n][];
        for (int i = 0; i < n; i++) {
            k[i] = kIn[i].clone();
            l[i] = lIn[i].clone();
            k[i][i] = 0;
            l[i][i] = 0;
        }
        double tr = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                tr += k[i][j] * l[j][i];
            }
        }
        double sumK = 0;
        double sumL = 0;
        double[] k1 = new double[n];
        double[] l1 = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                sumK += k[i][j];
                sumL += l[i][j];
                k1[i] += k[i][j];
                l1[i] += l[i][j];
            }
        }
        double oneKL1 = 0; // 1ᵀ K L 1 = (K1)ᵀ(L1) since K symmetric
        for (int i = 0; i < n; i++) {
            oneKL1 += k1[i] * l1[i];
        }
        return (tr + sumK * sumL / ((n - 1.0) * (n - 2.0)) - 2.0 / (n - 2.0) * oneKL1) / (n * (n - 3.0));
    }

    static double hsic1(double[][] x, double[][] y) {
        return hsic1Gram(gram(x), gram(y));
    }

    /**
     * Debiased CKA via Gram HSIC₁. Columns are centred first (HSIC₁ is exactly shift-invariant, which
     * {@code CrossLayerCoMomentsTest#shiftIsExact...} checks on raw data) so that data with huge means do not
     * lose the Gram matrices' precision.
     */
    public static double debiasedCka(double[][] x, double[][] y) {
        double[][] xc = centre(x);
        double[][] yc = centre(y);
        double[][] kx = gram(xc);
        double[][] ly = gram(yc);
        return hsic1Gram(kx, ly) / Math.sqrt(hsic1Gram(kx, kx) * hsic1Gram(ly, ly));
    }
}
