package dev.ckastream.cka.stats;

import java.util.SplittableRandom;

/**
 * Gaussian pooled vectors with a known population CKA: x = zA + e, y = zB + f with z ~ N(0, I_k),
 * e ~ N(0, σ²I), f ~ N(0, σ²I), so Σxx = AᵀA + σ²I, Σyy = BᵀB + σ²I, Σxy = AᵀB and
 * CKA = ‖Σxy‖²_F / (‖Σxx‖_F ‖Σyy‖_F). With k = 0 the layers are independent (CKA 0).
 */
final class SyntheticLayers {

    final int latent, dim;
    final double sigma;
    final double[][] a, b; // k × d

    /** B = ρ·A + √(1−ρ²)·G with G independent of A: ρ sets how related the layers are. */
    SyntheticLayers(int latent, int dim, double sigma, double rho, long seed) {
        this.latent = latent;
        this.dim = dim;
        this.sigma = sigma;
        SplittableRandom random = new SplittableRandom(seed);
        a = new double[latent][dim];
        b = new double[latent][dim];
        for (int r = 0; r < latent; r++) {
            for (int c = 0; c < dim; c++) {
                a[r][c] = random.nextGaussian();
            }
        }
        for (int r = 0; r < latent; r++) {
            for (int c = 0; c < dim; c++) {
                b[r][c] = rho * a[r][c] + Math.sqrt(1 - rho * rho) * random.nextGaussian();
            }
        }
    }

    double populationCka() {
        if (latent == 0) {
            return 0;
        }
        double xy = 0, xx = 0, yy = 0;
        for (int i = 0; i < dim; i++) {
            for (int j = 0; j < dim; j++) {
                double sxy = 0, sxx = 0, syy = 0;
                for (int r = 0; r < latent; r++) {
                    sxy += a[r][i] * b[r][j];
                    sxx += a[r][i] * a[r][j];
                    syy += b[r][i] * b[r][j];
                }
                if (i == j) {
                    sxx += sigma * sigma;
                    syy += sigma * sigma;
                }
                xy += sxy * sxy;
                xx += sxx * sxx;
                yy += syy * syy;
            }
        }
        return xy / Math.sqrt(xx * yy);
    }

    /** One review: {x, y} as float32 pooled vectors, with a constant offset as real activations have. */
    float[][] review(SplittableRandom random) {
        double[] z = new double[latent];
        for (int r = 0; r < latent; r++) {
            z[r] = random.nextGaussian();
        }
        float[] x = new float[dim];
        float[] y = new float[dim];
        for (int c = 0; c < dim; c++) {
            double vx = 3 + sigma * random.nextGaussian();
            double vy = -1 + sigma * random.nextGaussian();
            for (int r = 0; r < latent; r++) {
                vx += z[r] * a[r][c];
                vy += z[r] * b[r][c];
            }
            x[c] = (float) vx;
            y[c] = (float) vy;
        }
        return new float[][] {x, y};
    }
}
