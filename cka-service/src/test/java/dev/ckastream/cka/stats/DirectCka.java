package dev.ckastream.cka.stats;

/**
 * CKA straight from its definitions on n×d data, for resampling in tests: plain from the centred
 * cross-covariance, debiased from the Gram-matrix HSIC₁ of Song et al. (2012) with zeroed diagonals,
 * HSIC₁ = [tr(K̃L̃) + 1ᵀK̃1·1ᵀL̃1/((m−1)(m−2)) − 2/(m−2)·1ᵀK̃L̃1] / (m(m−3)), on any subset of rows given
 * as a multiplicity per row (0 = left out; a bootstrap may repeat a row).
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

    /** Plain CKA of the rows with multiplicities {@code count}: ‖X̄ᵀȲ‖² / (‖X̄ᵀX̄‖ ‖ȲᵀȲ‖). */
    double plain(int[] count) {
        double xy = cross(x, y, count), xx = cross(x, x, count), yy = cross(y, y, count);
        return xy / Math.sqrt(xx * yy);
    }

    private double cross(double[][] u, double[][] v, int[] count) {
        int du = u[0].length, dv = v[0].length;
        double[] mu = new double[du], mv = new double[dv];
        double m = 0;
        for (int i = 0; i < n; i++) {
            m += count[i];
            for (int k = 0; k < du; k++) {
                mu[k] += count[i] * u[i][k];
            }
            for (int k = 0; k < dv; k++) {
                mv[k] += count[i] * v[i][k];
            }
        }
        for (int k = 0; k < du; k++) {
            mu[k] /= m;
        }
        for (int k = 0; k < dv; k++) {
            mv[k] /= m;
        }
        double[] c = new double[du * dv];
        double[] cu = new double[du];
        for (int i = 0; i < n; i++) {
            if (count[i] == 0) {
                continue;
            }
            for (int k = 0; k < du; k++) {
                cu[k] = count[i] * (u[i][k] - mu[k]);
            }
            for (int l = 0; l < dv; l++) {
                double w = v[i][l] - mv[l];
                int base = l * du;
                for (int k = 0; k < du; k++) {
                    c[base + k] += cu[k] * w;
                }
            }
        }
        double acc = 0;
        for (double e : c) {
            acc += e * e;
        }
        return acc;
    }
}
