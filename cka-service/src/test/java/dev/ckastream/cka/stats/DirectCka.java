package dev.ckastream.cka.stats;

/**
 * CKA straight from its definitions on n×d data, for resampling in tests: plain from the centred
 * cross-covariance, debiased from the Gram-matrix HSIC₁ of Song et al. (2012) with zeroed diagonals,
 * HSIC₁ = [tr(K̃L̃) + 1ᵀK̃1·1ᵀL̃1/((m−1)(m−2)) − 2/(m−2)·1ᵀK̃L̃1] / (m(m−3)), on any subset of rows given
 * given as a multiplicity per row (0 = left out), plus O(n²) leave-one-out versions of both for jackknives.
 */
final class DirectCka {

    private final int n;
    private final double[][] x, y;
    private final double[] kx, ky; // n×n Gram matrices of the raw rows

    DirectCka(double[][] x, double[][] y) {
        this.n = x.length;
        this.x = x;
        this.y = y;
        kx = gram(x);
        ky = gram(y);
    }

    private double[] gram(double[][] v) {
        double[] g = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double acc = 0;
                for (int k = 0; k < v[i].length; k++) {
                    acc += v[i][k] * v[j][k];
                }
                g[i * n + j] = acc;
                g[j * n + i] = acc;
            }
        }
        return g;
    }

    /** Debiased CKA of the rows with {@code count[i]} copies each (copies are distinct indices). */
    double debiased(int[] count) {
        return hsic1(kx, ky, count) / Math.sqrt(hsic1(kx, kx, count) * hsic1(ky, ky, count));
    }

    private double hsic1(double[] k, double[] l, int[] count) {
        // expand multiplicities into an index list, then the formula on the m×m submatrices
        int m = 0;
        for (int c : count) {
            m += c;
        }
        int[] idx = new int[m];
        for (int i = 0, p = 0; i < n; i++) {
            for (int c = 0; c < count[i]; c++) {
                idx[p++] = i;
            }
        }
        double tr = 0, sumK = 0, sumL = 0, kl1 = 0;
        for (int p = 0; p < m; p++) {
            double rowK = 0, rowL = 0;
            int ip = idx[p] * n;
            for (int q = 0; q < m; q++) {
                if (p == q) {
                    continue;
                }
                double kv = k[ip + idx[q]], lv = l[ip + idx[q]];
                tr += kv * lv;
                rowK += kv;
                rowL += lv;
            }
            sumK += rowK;
            sumL += rowL;
            kl1 += rowK * rowL;
        }
        double mm = m;
        return (tr + sumK * sumL / ((mm - 1) * (mm - 2)) - 2 / (mm - 2) * kl1) / (mm * (mm - 3));
    }

    /**
     * Debiased CKA leaving out each row in turn: the Gram sums of the formula above downdated by the left-out
     * row (tr and 1ᵀK̃1 lose row and column r; 1ᵀK̃L̃1 loses r's row sums and r's entries in the others').
     */
    double[] debiasedLeaveOneOut() {
        double[] xy = hsic1LeaveOneOut(kx, ky), xx = hsic1LeaveOneOut(kx, kx), yy = hsic1LeaveOneOut(ky, ky);
        double[] out = new double[n];
        for (int r = 0; r < n; r++) {
            out[r] = xy[r] / Math.sqrt(xx[r] * yy[r]);
        }
        return out;
    }

    private double[] hsic1LeaveOneOut(double[] k, double[] l) {
        double[] rowK = new double[n], rowL = new double[n];
        double tr = 0, kl1 = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i != j) {
                    tr += k[i * n + j] * l[i * n + j];
                    rowK[i] += k[i * n + j];
                    rowL[i] += l[i * n + j];
                }
            }
            kl1 += rowK[i] * rowL[i];
        }
        double sumK = 0, sumL = 0;
        for (int i = 0; i < n; i++) {
            sumK += rowK[i];
            sumL += rowL[i];
        }
        double[] out = new double[n];
        double m = n - 1;
        for (int r = 0; r < n; r++) {
            double trR = tr, klR = kl1 - rowK[r] * rowL[r];
            for (int i = 0; i < n; i++) {
                if (i == r) {
                    continue;
                }
                double kv = k[r * n + i], lv = l[r * n + i];
                trR -= 2 * kv * lv;
                klR += -kv * rowL[i] - rowK[i] * lv + kv * lv;
            }
            double sK = sumK - 2 * rowK[r], sL = sumL - 2 * rowL[r];
            out[r] = (trR + sK * sL / ((m - 1) * (m - 2)) - 2 / (m - 2) * klR) / (m * (m - 3));
        }
        return out;
    }

    /**
     * Plain CKA leaving out each row in turn, feature space: the centred scatter S = Σ x̄ȳᵀ loses
     * n/(n−1)·x̃_r ỹ_rᵀ when row r goes, so ‖S₋ᵣ‖² = ‖S‖² − 2c·x̃_rᵀSỹ_r + c²‖x̃_r‖²‖ỹ_r‖², c = n/(n−1).
     */
    double[] plainLeaveOneOut() {
        double[][] xc = centred(x), yc = centred(y);
        double[] xy = downdated(xc, yc), xx = downdated(xc, xc), yy = downdated(yc, yc);
        double[] out = new double[n];
        for (int r = 0; r < n; r++) {
            out[r] = xy[r] / Math.sqrt(xx[r] * yy[r]);
        }
        return out;
    }

    private double[] downdated(double[][] u, double[][] v) {
        int du = u[0].length, dv = v[0].length;
        double[][] s = new double[du][dv];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < du; a++) {
                for (int b = 0; b < dv; b++) {
                    s[a][b] += u[i][a] * v[i][b];
                }
            }
        }
        double norm = 0;
        for (double[] row : s) {
            for (double e : row) {
                norm += e * e;
            }
        }
        double c = n / (n - 1.0);
        double[] out = new double[n];
        for (int r = 0; r < n; r++) {
            double quad = 0, uu = 0, vv = 0;
            for (int a = 0; a < du; a++) {
                double acc = 0;
                for (int b = 0; b < dv; b++) {
                    acc += s[a][b] * v[r][b];
                }
                quad += u[r][a] * acc;
                uu += u[r][a] * u[r][a];
            }
            for (int b = 0; b < dv; b++) {
                vv += v[r][b] * v[r][b];
            }
            out[r] = norm - 2 * c * quad + c * c * uu * vv;
        }
        return out;
    }

    private double[][] centred(double[][] v) {
        int d = v[0].length;
        double[] mean = new double[d];
        for (double[] row : v) {
            for (int k = 0; k < d; k++) {
                mean[k] += row[k] / n;
            }
        }
        double[][] c = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                c[i][k] = v[i][k] - mean[k];
            }
        }
        return c;
    }
}
