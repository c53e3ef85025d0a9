package dev.ckastream.cka.it;

/**
 * Delete-one jackknife of debiased CKA, written from the definitions and independent of the service's code:
 * Gram matrices K = XXᵀ, L = YYᵀ of the rows (centred by their mean first, which the estimator ignores but
 * rounding does not), and the unbiased HSIC of Song et al. (2012) on them with zeroed diagonals,
 * <pre>
 *   HSIC₁(K, L) = [tr(K̃L̃) + 1ᵀK̃1·1ᵀL̃1/((n−1)(n−2)) − 2/(n−2)·1ᵀK̃L̃1] / (n(n−3)),
 *   CKA = HSIC₁(K, L) / √(HSIC₁(K, K)·HSIC₁(L, L)).
 * </pre>
 * Leaving out review r removes its row and column: tr loses 2Σ_j K_rj L_rj, 1ᵀK̃1 loses 2r_K(r), and each
 * other row sum loses K_ir, so every leave-one-out value costs O(n) once the row sums are known. The
 * jackknife variance is (n−1)/n · Σ_r (θ₍r₎ − θ̄)².
 */
final class JackknifeCka {

    private JackknifeCka() {
    }

    /** Debiased CKA of all rows. */
    static double debiased(double[][] x, double[][] y) {
        int n = x.length;
        double[] k = gram(x), l = gram(y);
        return new Sums(k, l, n).hsic(-1) / Math.sqrt(new Sums(k, k, n).hsic(-1) * new Sums(l, l, n).hsic(-1));
    }

    /** Jackknife standard error of debiased CKA over the rows. */
    static double standardError(double[][] x, double[][] y) {
        int n = x.length;
        double[] k = gram(x), l = gram(y);
        Sums kl = new Sums(k, l, n), kk = new Sums(k, k, n), ll = new Sums(l, l, n);
        double[] loo = new double[n];
        double mean = 0;
        for (int r = 0; r < n; r++) {
            loo[r] = kl.hsic(r) / Math.sqrt(kk.hsic(r) * ll.hsic(r));
            mean += loo[r];
        }
        mean /= n;
        double squares = 0;
        for (double v : loo) {
            squares += (v - mean) * (v - mean);
        }
        return Math.sqrt((n - 1.0) / n * squares);
    }

    /** The sums HSIC₁ is made of, for all rows, and their downdates for one row left out. */
    private static final class Sums {
        final double[] k, l;
        final int n;
        final double[] rowK, rowL;
        double tr, sumK, sumL, rows;

        Sums(double[] k, double[] l, int n) {
            this.k = k;
            this.l = l;
            this.n = n;
            rowK = new double[n];
            rowL = new double[n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (j != i) {
                        tr += k[i * n + j] * l[i * n + j];
                        rowK[i] += k[i * n + j];
                        rowL[i] += l[i * n + j];
                    }
                }
                sumK += rowK[i];
                sumL += rowL[i];
                rows += rowK[i] * rowL[i];
            }
        }

        /** HSIC₁ without row {@code out} (−1: all rows). */
        double hsic(int out) {
            double t = tr, sk = sumK, sl = sumL, kl = rows, m = n;
            if (out >= 0) {
                m = n - 1;
                double cross = 0, shared = 0;
                for (int i = 0; i < n; i++) {
                    if (i != out) {
                        double ki = k[i * n + out], li = l[i * n + out];
                        shared += ki * li;
                        cross += rowK[i] * li + rowL[i] * ki;
                    }
                }
                t -= 2 * shared;
                sk -= 2 * rowK[out];
                sl -= 2 * rowL[out];
                kl = rows - rowK[out] * rowL[out] - cross + shared;
            }
            return (t + sk * sl / ((m - 1) * (m - 2)) - 2 / (m - 2) * kl) / (m * (m - 3));
        }
    }

    private static double[] gram(double[][] v) {
        int n = v.length, d = v[0].length;
        double[] mean = new double[d];
        for (double[] row : v) {
            for (int c = 0; c < d; c++) {
                mean[c] += row[c] / n;
            }
        }
        double[][] centred = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < d; c++) {
                centred[i][c] = v[i][c] - mean[c];
            }
        }
        double[] g = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double acc = 0;
                for (int c = 0; c < d; c++) {
                    acc += centred[i][c] * centred[j][c];
                }
                g[i * n + j] = acc;
                g[j * n + i] = acc;
            }
        }
        return g;
    }
}
