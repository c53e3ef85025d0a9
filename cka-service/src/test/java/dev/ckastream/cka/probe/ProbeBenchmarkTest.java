package dev.ckastream.cka.probe;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Speed sanity, not a timed assertion: prints fit times on synthetic "pooled-like" data (a 32-dim latent
 * factor model with anisotropic loadings, per-feature offsets, noise; labels from the latent with label
 * noise, so not separable). The small case always runs; the large one with {@code -Dprobe.bench=true}.
 */
class ProbeBenchmarkTest {

    static float[][] pooledLike(long seed, int n, int d, int[] labels) {
        Random rnd = new Random(seed);
        int k = 32;
        double[][] load = new double[k][d];
        for (int a = 0; a < k; a++) {
            double s = 3.0 / (1 + a); // decaying factor strengths → correlated, ill-conditioned features
            for (int j = 0; j < d; j++) {
                load[a][j] = s * rnd.nextGaussian();
            }
        }
        double[] offset = new double[d];
        for (int j = 0; j < d; j++) {
            offset[j] = rnd.nextGaussian() * 2;
        }
        double[] wl = new double[k];
        for (int a = 0; a < k; a++) {
            wl[a] = rnd.nextGaussian();
        }
        float[][] rows = new float[n][d];
        double[] h = new double[k];
        for (int i = 0; i < n; i++) {
            double t = 0;
            for (int a = 0; a < k; a++) {
                h[a] = rnd.nextGaussian();
                t += wl[a] * h[a];
            }
            labels[i] = t + 2.0 * rnd.nextGaussian() > 0 ? 1 : 0;
            for (int j = 0; j < d; j++) {
                double x = offset[j] + 0.5 * rnd.nextGaussian();
                for (int a = 0; a < k; a++) {
                    x += load[a][j] * h[a];
                }
                rows[i][j] = (float) x;
            }
        }
        return rows;
    }

    static void bench(int n, int d) {
        int[] labels = new int[n];
        float[][] rows = pooledLike(42, n, d, labels);
        long t0 = System.nanoTime();
        LogisticProbe.Solution s = LogisticProbe.fit(rows, 0, n, d, labels, 1.0, null);
        long t1 = System.nanoTime();
        // warm start after 5% more data arrives: refit on all rows starting from a fit on the first 95%
        int m = n * 95 / 100;
        LogisticProbe.Solution part = LogisticProbe.fit(rows, 0, m, d, labels, 1.0, null);
        long t2 = System.nanoTime();
        LogisticProbe.Solution warm = LogisticProbe.fit(rows, 0, n, d, labels, 1.0, part);
        long t3 = System.nanoTime();
        int correct = 0;
        for (int i = 0; i < n; i++) {
            correct += s.predict(rows[i], 0) == labels[i] ? 1 : 0;
        }
        System.out.printf("BENCH n=%d d=%d: cold fit %.3f s (%d Newton, %d Hv, |g|=%.2e, conv=%s, train acc %.4f);"
                + " warm refit %.3f s (%d Newton, %d Hv)  [fit on 95%%: %.3f s]%n",
                n, d, (t1 - t0) / 1e9, s.iterations(), s.hessianProducts(), s.gradientNorm(), s.converged(),
                correct / (double) n, (t3 - t2) / 1e9, warm.iterations(), warm.hessianProducts(), (t2 - t1) / 1e9);
        assertTrue(s.converged() && warm.converged());
    }

    @Test
    void benchSmall() {
        bench(1600, 384);
    }

    @Test
    @EnabledIfSystemProperty(named = "probe.bench", matches = "true")
    void benchLarge() {
        bench(20000, 768);
    }
}
