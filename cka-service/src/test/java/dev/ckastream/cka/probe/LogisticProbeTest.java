package dev.ckastream.cka.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.Random;

import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.CholeskyDecomposition;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.junit.jupiter.api.Test;

import dev.ckastream.cka.snapshot.ProbesCodec;

class LogisticProbeTest {

    // ---------- independent reference implementation (test only) ----------

    /** Standardised copy of the data in double, computed independently: mean, population std (ddof 0), scale 1 if std is 0. */
    static double[][] standardise(float[][] rows, int off, int n, int d, double[] meanOut, double[] scaleOut) {
        for (int j = 0; j < d; j++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += rows[i][off + j];
            }
            double mu = s / n;
            double v = 0;
            for (int i = 0; i < n; i++) {
                double t = rows[i][off + j] - mu;
                v += t * t;
            }
            double sd = Math.sqrt(v / n);
            meanOut[j] = mu;
            scaleOut[j] = sd == 0 ? 1 : sd;
        }
        double[][] z = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                z[i][j] = (rows[i][off + j] - meanOut[j]) / scaleOut[j];
            }
        }
        return z;
    }

    static double sigma(double t) {
        return t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
    }

    /** Gradient of ½‖w‖² + C Σ log(1+exp(−y(wᵀz+b))) w.r.t. (w, b), straight from the formula. */
    static double[] exactGradient(double[][] z, int[] labels, double c, double[] w, double b) {
        int d = w.length;
        double[] g = new double[d + 1];
        for (int j = 0; j < d; j++) {
            g[j] = w[j];
        }
        for (int i = 0; i < z.length; i++) {
            double y = labels[i] == 1 ? 1 : -1;
            double t = b;
            for (int j = 0; j < d; j++) {
                t += w[j] * z[i][j];
            }
            double coef = -c * y * sigma(-y * t); // d/dt log(1+exp(−y t))
            for (int j = 0; j < d; j++) {
                g[j] += coef * z[i][j];
            }
            g[d] += coef;
        }
        return g;
    }

    /** Full Newton with the explicit (d+1)×(d+1) Hessian solved by Hipparchus Cholesky. Returns (w, b). */
    static double[] directNewton(double[][] z, int[] labels, double c) {
        int n = z.length;
        int d = z[0].length;
        double[] theta = new double[d + 1];
        for (int it = 0; it < 200; it++) {
            double[] w = java.util.Arrays.copyOf(theta, d);
            double[] g = exactGradient(z, labels, c, w, theta[d]);
            double gn = 0;
            for (double v : g) {
                gn += v * v;
            }
            if (Math.sqrt(gn) < 1e-12) {
                break;
            }
            double[][] h = new double[d + 1][d + 1];
            for (int j = 0; j < d; j++) {
                h[j][j] = 1;
            }
            for (int i = 0; i < n; i++) {
                double t = theta[d];
                for (int j = 0; j < d; j++) {
                    t += w[j] * z[i][j];
                }
                double s = sigma(t);
                double di = c * s * (1 - s);
                double[] zi = java.util.Arrays.copyOf(z[i], d + 1);
                zi[d] = 1;
                for (int a = 0; a <= d; a++) {
                    for (int bb = 0; bb <= a; bb++) {
                        double v = di * zi[a] * zi[bb];
                        h[a][bb] += v;
                        if (bb != a) {
                            h[bb][a] += v;
                        }
                    }
                }
            }
            RealMatrix hm = new Array2DRowRealMatrix(h, false);
            RealVector step = new CholeskyDecomposition(hm, 1e-14, 1e-14).getSolver()
                    .solve(new ArrayRealVector(g).mapMultiply(-1));
            // damped: halve until the objective decreases (pure Newton from 0 is fine here, but be safe)
            double f0 = objective(z, labels, c, theta);
            double alpha = 1;
            double[] cand = new double[d + 1];
            for (int ls = 0; ls < 50; ls++) {
                for (int j = 0; j <= d; j++) {
                    cand[j] = theta[j] + alpha * step.getEntry(j);
                }
                if (objective(z, labels, c, cand) <= f0) {
                    break;
                }
                alpha /= 2;
            }
            theta = cand.clone();
        }
        return theta;
    }

    static double objective(double[][] z, int[] labels, double c, double[] theta) {
        int d = theta.length - 1;
        double f = 0;
        for (int j = 0; j < d; j++) {
            f += 0.5 * theta[j] * theta[j];
        }
        for (int i = 0; i < z.length; i++) {
            double y = labels[i] == 1 ? 1 : -1;
            double t = theta[d];
            for (int j = 0; j < d; j++) {
                t += theta[j] * z[i][j];
            }
            double m = y * t;
            f += c * (m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m)));
        }
        return f;
    }

    /** Random rows, layer-major with {@code layers} layers; labels from a noisy linear rule on layer {@code layer}. */
    static float[][] randomRows(Random rnd, int n, int layers, int d, int[] labelsOut, double noise) {
        float[][] rows = new float[n][layers * d];
        double[] wTrue = new double[d];
        for (int j = 0; j < d; j++) {
            wTrue[j] = rnd.nextGaussian();
        }
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < layers * d; k++) {
                // different offsets and scales per feature so standardisation matters
                rows[i][k] = (float) (3.0 + (k % 5) + (1 + k % 3) * rnd.nextGaussian());
            }
            double t = 0;
            for (int j = 0; j < d; j++) {
                t += wTrue[j] * (rows[i][d + j] - 3.0 - (d + j) % 5) / (1 + (d + j) % 3);
            }
            labelsOut[i] = t + noise * rnd.nextGaussian() > 0.3 ? 1 : 0;
        }
        return rows;
    }

    // ---------- tests ----------

    @Test
    void fitSatisfiesOptimalityAndMatchesDirectCholeskyNewton() {
        Random rnd = new Random(11);
        int n = 300, d = 6, layers = 3;
        int[] labels = new int[n];
        float[][] rows = randomRows(rnd, n, layers, d, labels, 1.5);
        for (double c : new double[] {1.0, 0.05, 20.0}) {
            LogisticProbe.Solution s = LogisticProbe.fit(rows, d, n, d, labels, c, null); // layer 1
            assertTrue(s.converged(), s::toString);
            double[] mean = new double[d], scale = new double[d];
            double[][] z = standardise(rows, d, n, d, mean, scale);
            assertArrayEquals(mean, s.mean(), 1e-12);
            assertArrayEquals(scale, s.scale(), 1e-12);
            double[] g = exactGradient(z, labels, c, s.weights(), s.intercept());
            double gn = 0;
            for (double v : g) {
                gn += v * v;
            }
            assertTrue(Math.sqrt(gn) < 1e-7, "gradient norm " + Math.sqrt(gn));
            double[] ref = directNewton(z, labels, c);
            for (int j = 0; j < d; j++) {
                assertEquals(ref[j], s.weights()[j], 1e-6, "w" + j + " C=" + c);
            }
            assertEquals(ref[d], s.intercept(), 1e-6, "b C=" + c);
        }
    }

    @Test
    void symmetricOneDimensionalCaseHasKnownAnswer() {
        // x = +1 (label 1), x = −1 (label 0): z = ±1 (mean 0, pop std 1), b = 0 by symmetry and
        // w solves w = 2 C σ(−w). Solve that scalar equation by bisection.
        float[][] rows = {{1f}, {-1f}};
        int[] labels = {1, 0};
        for (double c : new double[] {1.0, 3.0, 0.1}) {
            double lo = 0, hi = 2 * c;
            for (int k = 0; k < 200; k++) {
                double mid = (lo + hi) / 2;
                if (mid - 2 * c * sigma(-mid) < 0) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            LogisticProbe.Solution s = LogisticProbe.fit(rows, 0, 2, 1, labels, c, null);
            assertEquals(lo, s.weights()[0], 1e-9, "C=" + c);
            assertEquals(0.0, s.intercept(), 1e-9);
            assertEquals(1, s.predict(new float[] {0.5f}, 0));
            assertEquals(0, s.predict(new float[] {-0.5f}, 0));
        }
    }

    @Test
    void standardisationUsesPopulationStdAndLeavesConstantFeatureUnscaled() {
        // feature 0: 1,2,3,4 → mean 2.5, pop var 1.25 (sample var would be 1.6667); feature 1 constant 0.1f.
        float[][] rows = {{1f, 0.1f}, {2f, 0.1f}, {3f, 0.1f}, {4f, 0.1f}};
        int[] labels = {0, 0, 1, 1};
        LogisticProbe.Solution s = LogisticProbe.fit(rows, 0, 4, 2, labels, 1.0, null);
        assertEquals(2.5, s.mean()[0], 0);
        assertEquals(Math.sqrt(1.25), s.scale()[0], 1e-15);
        assertEquals((double) 0.1f, s.mean()[1], 0);
        assertEquals(1.0, s.scale()[1], 0);
        assertEquals(0.0, s.weights()[1], 0); // z is 0 for a constant feature, so its gradient is w alone
        double[] mean = new double[2], scale = new double[2];
        double[][] z = standardise(rows, 0, 4, 2, mean, scale);
        double[] ref = directNewton(z, labels, 1.0);
        assertEquals(ref[0], s.weights()[0], 1e-9);
        assertEquals(ref[2], s.intercept(), 1e-9);
    }

    @Test
    void warmStartReachesTheSameOptimumAsColdStart() {
        Random rnd = new Random(5);
        int n = 2000, d = 40;
        int[] labels = new int[n];
        float[][] rows = randomRows(rnd, n, 2, d, labels, 1.0);
        LogisticProbe.Solution first = LogisticProbe.fit(rows, d, 1200, d, labels, 1.0, null);
        LogisticProbe.Solution warm = LogisticProbe.fit(rows, d, n, d, labels, 1.0, first);
        LogisticProbe.Solution cold = LogisticProbe.fit(rows, d, n, d, labels, 1.0, null);
        assertTrue(warm.converged() && cold.converged());
        assertArrayEquals(cold.weights(), warm.weights(), 1e-7);
        assertEquals(cold.intercept(), warm.intercept(), 1e-7);
        // warm start from the optimum itself: already converged, no iteration needed
        LogisticProbe.Solution again = LogisticProbe.fit(rows, d, n, d, labels, 1.0, cold);
        assertEquals(0, again.iterations());
        assertArrayEquals(cold.weights(), again.weights(), 1e-9);
        System.out.printf("warm start: cold %d Newton iterations, warm %d%n", cold.iterations(), warm.iterations());
        // a warm start of another dimension is ignored
        LogisticProbe.Solution other = LogisticProbe.fit(rows, 0, n, d - 1, labels, 1.0, cold);
        assertTrue(other.converged());
    }

    @Test
    void separableDataStaysFiniteWithL2AndConverges() {
        Random rnd = new Random(3);
        int n = 400, d = 5;
        float[][] rows = new float[n][d];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            for (int j = 0; j < d; j++) {
                rows[i][j] = (float) rnd.nextGaussian();
            }
            rows[i][0] = (float) ((labels[i] == 1 ? 2.0 : -2.0) + 0.3 * rnd.nextGaussian()); // margin ≥ ~1
        }
        LogisticProbe.Solution s = LogisticProbe.fit(rows, 0, n, d, labels, 1.0, null);
        assertTrue(s.converged(), s::toString);
        for (double w : s.weights()) {
            assertTrue(Double.isFinite(w));
        }
        int correct = 0;
        for (int i = 0; i < n; i++) {
            correct += s.predict(rows[i], 0) == labels[i] ? 1 : 0;
        }
        assertEquals(n, correct);
        double[] mean = new double[d], scale = new double[d];
        double[][] z = standardise(rows, 0, n, d, mean, scale);
        double[] ref = directNewton(z, labels, 1.0);
        for (int j = 0; j < d; j++) {
            assertEquals(ref[j], s.weights()[j], 1e-6);
        }
        assertEquals(ref[d], s.intercept(), 1e-6);
        assertTrue(Math.abs(s.weights()[0]) < 100, "bounded by the L2 term: " + s.weights()[0]);
    }

    @Test
    void singleClassIsRejected() {
        float[][] rows = {{1f}, {2f}};
        assertThrows(IllegalArgumentException.class,
                () -> LogisticProbe.fit(rows, 0, 2, 1, new int[] {1, 1}, 1.0, null));
    }

    @Test
    void solutionRoundTripsExactly() throws Exception {
        Random rnd = new Random(9);
        int[] labels = new int[100];
        float[][] rows = randomRows(rnd, 100, 2, 7, labels, 1.0);
        LogisticProbe.Solution s = LogisticProbe.fit(rows, 7, 100, 7, labels, 1.0, null);
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        ProbesCodec.writeSolution(new DataOutputStream(bo), s);
        LogisticProbe.Solution back = ProbesCodec.readSolution(
                new DataInputStream(new ByteArrayInputStream(bo.toByteArray())));
        assertEquals(s, back);
    }
}
