package dev.ckastream.cka.math;

import org.junit.jupiter.api.Test;

import dev.ckastream.cka.snapshot.CoMomentsCodec;
import dev.ckastream.cka.snapshot.SnapshotFiles;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CrossLayerCoMomentsTest {

    /** Folds the buffered reviews in (the explicit write), then scores (the pure read). */
    static CkaScores scored(CrossLayerCoMoments c) {
        c.flush();
        return c.scores();
    }

    private static final GemmEngine GEMM = GemmEngine.best();

    /** One review: pooled A (la×da) and pooled B (lb×db), float32 like the real feed. */
    record Review(float[] a, float[] b) {
    }

    /**
     * Correlated synthetic activations: both checkpoints see a shared latent (dim 6) through per-layer random
     * maps plus noise. Every third feature is an "outlier dimension": mean ±1e3 (and one at 5e3), spread 1e-1.
     */
    static List<Review> data(Random rnd, int n, int la, int da, int lb, int db, double noise) {
        int latent = 6;
        double[][][] wa = maps(rnd, la, da, latent);
        double[][][] wb = maps(rnd, lb, db, latent);
        double[] meanA = outlierMeans(rnd, la * da);
        double[] meanB = outlierMeans(rnd, lb * db);
        List<Review> out = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            double[] z = new double[latent];
            for (int t = 0; t < latent; t++) {
                z[t] = rnd.nextGaussian();
            }
            out.add(new Review(project(rnd, wa, z, meanA, noise), project(rnd, wb, z, meanB, noise)));
        }
        return out;
    }

    private static double[][][] maps(Random rnd, int layers, int d, int latent) {
        double[][][] w = new double[layers][d][latent];
        for (double[][] l : w) {
            for (double[] row : l) {
                for (int t = 0; t < latent; t++) {
                    row[t] = rnd.nextGaussian();
                }
            }
        }
        return w;
    }

    private static double[] outlierMeans(Random rnd, int len) {
        double[] m = new double[len];
        for (int k = 0; k < len; k++) {
            m[k] = k % 3 == 0 ? (k % 2 == 0 ? 1e3 : -1e3) : rnd.nextGaussian();
        }
        m[len - 1] = 5e3;
        return m;
    }

    private static float[] project(Random rnd, double[][][] w, double[] z, double[] mean, double noise) {
        int d = w[0].length;
        float[] v = new float[w.length * d];
        for (int l = 0; l < w.length; l++) {
            for (int k = 0; k < d; k++) {
                double acc = 0;
                for (int t = 0; t < z.length; t++) {
                    acc += w[l][k][t] * z[t];
                }
                int f = l * d + k;
                double spread = Math.abs(mean[f]) >= 1e3 ? 0.1 : 1.0;
                v[f] = (float) (mean[f] + spread * (acc + noise * rnd.nextGaussian()));
            }
        }
        return v;
    }

    static double[][] layer(List<Review> reviews, boolean ofA, int layer, int d) {
        double[][] x = new double[reviews.size()][d];
        for (int r = 0; r < reviews.size(); r++) {
            float[] v = ofA ? reviews.get(r).a() : reviews.get(r).b();
            for (int k = 0; k < d; k++) {
                x[r][k] = v[layer * d + k];
            }
        }
        return x;
    }

    static void assertClose(double expected, double actual, double rel, String what) {
        double tol = rel * Math.max(Math.abs(expected), 0.05);
        assertTrue(Math.abs(expected - actual) <= tol,
                what + ": expected " + expected + " got " + actual + " (|Δ|=" + Math.abs(expected - actual) + ")");
    }

    static CkaScores stream(List<Review> reviews, int la, int da, int lb, int db, int cap) {
        CrossLayerCoMoments c = new CrossLayerCoMoments(la, da, lb, db, GEMM, cap);
        for (Review r : reviews) {
            c.add(r.a(), r.b());
        }
        return scored(c);
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void streamingEqualsOfflineForAnyBatchingAndArrivalOrderWithOutlierDimensions() {
        int la = 3, da = 10, lb = 4, db = 7, n = 131;
        Random rnd = new Random(42);
        List<Review> reviews = data(rnd, n, la, da, lb, db, 1.0);
        double[][] cka = new double[la][lb];
        double[][] deb = new double[la][lb];
        for (int i = 0; i < la; i++) {
            for (int j = 0; j < lb; j++) {
                double[][] x = layer(reviews, true, i, da);
                double[][] y = layer(reviews, false, j, db);
                cka[i][j] = OfflineCka.linearCka(x, y);
                deb[i][j] = OfflineCka.debiasedCka(x, y);
            }
        }
        for (int cap : new int[] {1, 7, 64}) {
            for (int order = 0; order < 3; order++) {
                List<Review> shuffled = new ArrayList<>(reviews);
                if (order > 0) {
                    Collections.shuffle(shuffled, new Random(order));
                }
                CrossLayerCoMoments c = new CrossLayerCoMoments(la, da, lb, db, GEMM, cap);
                int k = 0;
                for (Review r : shuffled) {
                    c.add(r.a(), r.b());
                    if (++k % 13 == 5 || k == 2) {
                        c.flush(); // odd flush points, including a 2-review first batch (the shift)
                    }
                }
                CkaScores s = scored(c);
                assertEquals(n, s.reviews());
                for (int i = 0; i < la; i++) {
                    for (int j = 0; j < lb; j++) {
                        String what = "cap=" + cap + " order=" + order + " (" + i + "," + j + ")";
                        assertClose(cka[i][j], s.cka()[i][j], 1e-9, "plain " + what);
                        assertClose(deb[i][j], s.ckaDebiased()[i][j], 1e-9, "debiased " + what);
                    }
                }
            }
        }
        // the data are not trivial: strongly related layers, and debiased differs from plain
        assertTrue(cka[0][0] > 0.3 && Math.abs(cka[0][0] - deb[0][0]) > 1e-3, cka[0][0] + " " + deb[0][0]);
    }

    /**
     * A backlog folds several batches' worth of reviews in one wider GEMM: the scores agree with the offline
     * formulas as closely as fixed batches do, fewer than the capacity stay buffered afterwards, and the state
     * then restores and continues bit for bit.
     */
    @Test
    void aBacklogFoldsInOneWiderBatchWithTheSameScores() throws IOException {
        int la = 3, da = 10, lb = 4, db = 7, n = 131, cap = 8;
        List<Review> reviews = data(new Random(43), n, la, da, lb, db, 1.0);
        CrossLayerCoMoments c = new CrossLayerCoMoments(la, da, lb, db, GEMM, cap);
        int r = 0;
        for (int backlog : new int[] {3, 40, 5, 70}) { // narrower than the capacity, wider, and wider again
            c.beginBacklog(backlog);
            for (int k = 0; k < backlog; k++, r++) {
                c.add(reviews.get(r).a(), reviews.get(r).b());
                if (backlog > cap && k < backlog - 1) {
                    assertEquals(k + 1 + (backlog == 40 ? 3 : 5), c.pending(), "nothing folded until the backlog is in");
                }
            }
            c.endBacklog();
            assertTrue(c.pending() < cap, "after a backlog fewer than the capacity stay buffered: " + c.pending());
            if (backlog == 5) {
                assertEquals(5, c.pending(), "a backlog narrower than the capacity folds nothing");
            }
        }
        assertEquals(118, r);
        byte[] bytes = write(c);
        CrossLayerCoMoments restored = CrossLayerCoMoments.of(CoMomentsCodec.read(
                new DataInputStream(new ByteArrayInputStream(bytes))), GEMM);
        for (; r < n; r++) {
            c.add(reviews.get(r).a(), reviews.get(r).b());
            restored.add(reviews.get(r).a(), reviews.get(r).b());
        }
        CkaScores s = scored(c);
        scored(restored);
        assertArrayEquals(write(c), write(restored));
        assertEquals(n, s.reviews());
        for (int i = 0; i < la; i++) {
            for (int j = 0; j < lb; j++) {
                double[][] x = layer(reviews, true, i, da);
                double[][] y = layer(reviews, false, j, db);
                assertClose(OfflineCka.linearCka(x, y), s.cka()[i][j], 1e-9, "plain (" + i + "," + j + ")");
                assertClose(OfflineCka.debiasedCka(x, y), s.ckaDebiased()[i][j], 1e-9, "debiased (" + i + "," + j + ")");
            }
        }
    }

    @Test
    void withoutTheShiftOutlierDimensionsLoseAccuracy() {
        // Documents why the shift exists: raw sums around 0 at mean 1e3 / spread 1e-1 cancel ~8 digits (plain
        // CKA survives better because float32×float32 products are exact in float64 and centring is entrywise).
        int la = 1, da = 12, lb = 1, db = 9, n = 400;
        List<Review> reviews = data(new Random(7), n, la, da, lb, db, 1.0);
        double[][] x = layer(reviews, true, 0, da);
        double[][] y = layer(reviews, false, 0, db);
        double ref = OfflineCka.linearCka(x, y);
        CrossLayerCoMoments shifted = new CrossLayerCoMoments(la, da, lb, db, GEMM, 16);
        CrossLayerCoMoments raw = new CrossLayerCoMoments(la, da, lb, db, GEMM, 16);
        raw.fixShift(new double[da], new double[db]);
        for (Review r : reviews) {
            shifted.add(r.a(), r.b());
            raw.add(r.a(), r.b());
        }
        double errShifted = Math.abs(scored(shifted).cka()[0][0] - ref);
        double errRaw = Math.abs(scored(raw).cka()[0][0] - ref);
        double refDeb = OfflineCka.debiasedCka(x, y);
        double errDebShifted = Math.abs(scored(shifted).ckaDebiased()[0][0] - refDeb);
        double errDebRaw = Math.abs(scored(raw).ckaDebiased()[0][0] - refDeb);
        System.out.println("outlier dims, |error| plain: first-batch shift " + errShifted + ", zero shift " + errRaw
                + "; debiased: first-batch shift " + errDebShifted + ", zero shift " + errDebRaw);
        assertTrue(errDebShifted < 1e-12, "debiased shifted " + errDebShifted);
        // the debiased estimator's raw sums (P, U, ‖C‖²) are where it really hurts: ~1e-4 here
        assertTrue(errDebRaw > 1e6 * errDebShifted, "debiased raw " + errDebRaw);
        assertTrue(errShifted < 1e-12, "shifted " + errShifted);
        assertTrue(errRaw > 100 * errShifted, "raw " + errRaw);
    }

    @Test
    void debiasedIsNearZeroOnIndependentDataWhilePlainIsLarge() {
        int d = 768, n = 50;
        Random rnd = new Random(3);
        CrossLayerCoMoments c = new CrossLayerCoMoments(1, d, 1, d, GEMM, 25);
        float[] a = new float[d];
        float[] b = new float[d];
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < d; k++) {
                a[k] = (float) rnd.nextGaussian();
                b[k] = (float) rnd.nextGaussian();
            }
            c.add(a, b);
        }
        CkaScores s = scored(c);
        System.out.println("independent d=768 n=50: plain " + s.cka()[0][0] + ", debiased " + s.ckaDebiased()[0][0]);
        assertTrue(s.cka()[0][0] > 0.9, "plain " + s.cka()[0][0]);
        assertTrue(Math.abs(s.ckaDebiased()[0][0]) < 0.05, "debiased " + s.ckaDebiased()[0][0]);
    }

    @Test
    void identicalInputsGiveOneForBothEstimators() {
        int l = 3, d = 16, n = 40;
        List<Review> base = data(new Random(5), n, l, d, 1, 4, 1.0);
        CrossLayerCoMoments c = new CrossLayerCoMoments(l, d, l, d, GEMM, 8);
        for (Review r : base) {
            c.add(r.a(), r.a());
        }
        CkaScores s = scored(c);
        for (int i = 0; i < l; i++) {
            assertEquals(1.0, s.cka()[i][i], 1e-12);
            assertEquals(1.0, s.ckaDebiased()[i][i], 1e-12);
            assertEquals(1.0, s.diagonal()[i], 1e-12);
            assertEquals(i, s.bestSecondMatch()[i]);
        }
    }

    @Test
    void invariantToOrthogonalTransformAndIsotropicScaling() {
        int la = 2, da = 9, lb = 3, db = 8, n = 60;
        Random rnd = new Random(11);
        List<Review> reviews = data(rnd, n, la, da, lb, db, 1.0);
        double[][][] qa = new double[la][][];
        double[][][] qb = new double[lb][][];
        for (int i = 0; i < la; i++) {
            qa[i] = orthogonal(rnd, da);
        }
        for (int j = 0; j < lb; j++) {
            qb[j] = orthogonal(rnd, db);
        }
        CrossLayerCoMoments plain = new CrossLayerCoMoments(la, da, lb, db, GEMM, 16);
        CrossLayerCoMoments rotated = new CrossLayerCoMoments(la, da, lb, db, GEMM, 16);
        for (Review r : reviews) {
            plain.add(toDouble(r.a()), toDouble(r.b()));
            rotated.add(transform(r.a(), qa, 3.5), transform(r.b(), qb, 0.01));
        }
        CkaScores s0 = scored(plain);
        CkaScores s1 = scored(rotated);
        for (int i = 0; i < la; i++) {
            for (int j = 0; j < lb; j++) {
                assertClose(s0.cka()[i][j], s1.cka()[i][j], 1e-9, "plain");
                assertClose(s0.ckaDebiased()[i][j], s1.ckaDebiased()[i][j], 1e-9, "debiased");
            }
        }
    }

    static double[][] orthogonal(Random rnd, int d) {
        double[][] q = new double[d][d]; // rows orthonormal (modified Gram-Schmidt, twice)
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
                q[i][k] = rnd.nextGaussian();
            }
            for (int pass = 0; pass < 2; pass++) {
                for (int j = 0; j < i; j++) {
                    double dot = 0;
                    for (int k = 0; k < d; k++) {
                        dot += q[i][k] * q[j][k];
                    }
                    for (int k = 0; k < d; k++) {
                        q[i][k] -= dot * q[j][k];
                    }
                }
            }
            double norm = 0;
            for (int k = 0; k < d; k++) {
                norm += q[i][k] * q[i][k];
            }
            norm = Math.sqrt(norm);
            for (int k = 0; k < d; k++) {
                q[i][k] /= norm;
            }
        }
        return q;
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int k = 0; k < v.length; k++) {
            d[k] = v[k];
        }
        return d;
    }

    /** Per layer: x ↦ alpha·Q x. */
    static double[] transform(float[] v, double[][][] q, double alpha) {
        int d = q[0].length;
        double[] out = new double[v.length];
        for (int l = 0; l < q.length; l++) {
            for (int i = 0; i < d; i++) {
                double acc = 0;
                for (int k = 0; k < d; k++) {
                    acc += q[l][i][k] * v[l * d + k];
                }
                out[l * d + i] = alpha * acc;
            }
        }
        return out;
    }

    @Test
    void streamingHsic1EqualsGramHsic1WithZeroedDiagonals() {
        // Raw (uncentred) data with moderate means: the O(n²) Gram formula needs no help here.
        int la = 2, da = 5, lb = 2, db = 4;
        Random rnd = new Random(13);
        for (int n : new int[] {4, 5, 9, 57}) {
            List<double[][]> a = new ArrayList<>();
            CrossLayerCoMoments c = new CrossLayerCoMoments(la, da, lb, db, GEMM, 3);
            double[][] xa = new double[n][la * da];
            double[][] yb = new double[n][lb * db];
            for (int r = 0; r < n; r++) {
                for (int k = 0; k < la * da; k++) {
                    xa[r][k] = 2.0 + k * 0.3 + rnd.nextGaussian();
                }
                for (int k = 0; k < lb * db; k++) {
                    yb[r][k] = -1.0 + 0.5 * xa[r][k % (la * da)] + rnd.nextGaussian();
                }
                c.add(xa[r], yb[r]);
            }
            c.flush();
            for (int i = 0; i < la; i++) {
                for (int j = 0; j < lb; j++) {
                    double[][] x = slice(xa, i * da, da);
                    double[][] y = slice(yb, j * db, db);
                    double gram = OfflineCka.hsic1(x, y);
                    double streamed = c.hsic1Cross(i, j);
                    double scale = Math.sqrt(Math.abs(OfflineCka.hsic1(x, x) * OfflineCka.hsic1(y, y)));
                    assertTrue(Math.abs(gram - streamed) <= 1e-10 * scale,
                            "n=" + n + " (" + i + "," + j + "): Gram " + gram + " streamed " + streamed);
                    double cka = OfflineCka.hsic1(x, y) / Math.sqrt(OfflineCka.hsic1(x, x) * OfflineCka.hsic1(y, y));
                    assertClose(cka, scored(c).ckaDebiased()[i][j], 1e-9, "n=" + n);
                }
            }
        }
    }

    static double[][] slice(double[][] m, int off, int d) {
        double[][] s = new double[m.length][d];
        for (int r = 0; r < m.length; r++) {
            System.arraycopy(m[r], off, s[r], 0, d);
        }
        return s;
    }

    @Test
    void shiftIsExactForBothEstimators() {
        int n = 30, dx = 6, dy = 5;
        Random rnd = new Random(17);
        double[][] x = new double[n][dx];
        double[][] y = new double[n][dy];
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < dx; k++) {
                x[r][k] = rnd.nextGaussian() + 0.5 * k;
            }
            for (int k = 0; k < dy; k++) {
                y[r][k] = x[r][k] * 0.7 + rnd.nextGaussian() - k;
            }
        }
        double[] cx = {3, -2, 7.5, 0.25, -9, 4};
        double[] cy = {-5, 1, 2, 8, -0.5};
        double[][] xs = new double[n][dx];
        double[][] ys = new double[n][dy];
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < dx; k++) {
                xs[r][k] = x[r][k] - cx[k];
            }
            for (int k = 0; k < dy; k++) {
                ys[r][k] = y[r][k] - cy[k];
            }
        }
        // (a) offline, no centring involved: Gram HSIC₁ on raw == on shifted data
        for (double[][][] pair : new double[][][][] {{x, y}, {x, x}, {y, y}}) {
            double[][] p = pair[0], q = pair[1];
            double[][] ps = p == x ? xs : ys, qs = q == x ? xs : ys;
            double raw = OfflineCka.hsic1(p, q);
            double shifted = OfflineCka.hsic1(ps, qs);
            assertClose(raw, shifted, 1e-10, "Gram HSIC1 shift invariance");
        }
        assertClose(OfflineCka.linearCka(x, y), OfflineCka.linearCka(xs, ys), 1e-12, "plain");
        // (b) streaming: three different fixed shifts give the same scores
        CkaScores[] all = new CkaScores[3];
        for (int variant = 0; variant < 3; variant++) {
            CrossLayerCoMoments c = new CrossLayerCoMoments(1, dx, 1, dy, GEMM, 4);
            if (variant == 1) {
                c.fixShift(new double[dx], new double[dy]);
            } else if (variant == 2) {
                c.fixShift(cx, cy);
            }
            for (int r = 0; r < n; r++) {
                c.add(x[r], y[r]);
            }
            all[variant] = scored(c);
        }
        for (int v = 1; v < 3; v++) {
            // equal up to rounding; a shift far from the mean (variant 2: ~10σ away) costs a few digits
            assertClose(all[0].cka()[0][0], all[v].cka()[0][0], 1e-10, "streamed plain, shift " + v);
            assertClose(all[0].ckaDebiased()[0][0], all[v].ckaDebiased()[0][0], 1e-10, "streamed debiased, shift " + v);
        }
        assertClose(OfflineCka.hsic1(x, y) / Math.sqrt(OfflineCka.hsic1(x, x) * OfflineCka.hsic1(y, y)),
                all[0].ckaDebiased()[0][0], 1e-10, "streamed vs raw Gram");
    }

    /**
     * A constant layer fed as float64 values that float32 cannot represent: the shift (the first batch's
     * mean rounded to float32) leaves a tiny non-zero residual, whose rounding noise used to give plain CKA
     * 1.6e-18 and debiased 1.1e-9 instead of "undefined". A layer whose spread is at float32's resolution
     * (relative 1e-7) is not constant and keeps a score.
     */
    @Test
    void aConstantLayerIsUndefinedWithinTheRelativeToleranceAndATinySpreadIsNot() {
        Random rnd = new Random(41);
        int d = 4;
        CrossLayerCoMoments c = new CrossLayerCoMoments(2, d, 1, d, GEMM, 16);
        for (int r = 0; r < 200; r++) {
            double[] first = new double[2 * d];
            double[] second = new double[d];
            for (int k = 0; k < d; k++) {
                first[k] = 0.1 + 0.7 * k / 3.0; // layer 0: constant, not float32-representable
                double v = rnd.nextGaussian();
                first[d + k] = 1000 + 1e-4 * v; // layer 1: relative spread 1e-7 around 1e3
                second[k] = v + 0.5 * rnd.nextGaussian();
            }
            c.add(first, second);
        }
        CkaScores s = scored(c);
        assertTrue(Double.isNaN(s.cka()[0][0]), "plain CKA of a constant layer: " + s.cka()[0][0]);
        assertTrue(Double.isNaN(s.ckaDebiased()[0][0]), "debiased CKA of a constant layer: " + s.ckaDebiased()[0][0]);
        assertTrue(s.cka()[1][0] > 0.3, "tiny spread, plain: " + s.cka()[1][0]);
        assertTrue(s.ckaDebiased()[1][0] > 0.3, "tiny spread, debiased: " + s.ckaDebiased()[1][0]);
    }

    @Test
    void undefinedBeforeEnoughReviews() {
        CrossLayerCoMoments c = new CrossLayerCoMoments(2, 3, 1, 2, GEMM, 10);
        Random rnd = new Random(19);
        assertTrue(Double.isNaN(scored(c).cka()[0][0]));
        for (int r = 1; r <= 5; r++) {
            double[] a = {rnd.nextGaussian(), rnd.nextGaussian(), rnd.nextGaussian(),
                    rnd.nextGaussian(), rnd.nextGaussian(), rnd.nextGaussian()};
            double[] b = {a[0] + rnd.nextGaussian(), rnd.nextGaussian()};
            c.add(a, b);
            CkaScores s = scored(c);
            assertEquals(r, s.reviews());
            assertEquals(r < 2, Double.isNaN(s.cka()[0][0]), "plain at n=" + r);
            assertEquals(r < 4, Double.isNaN(s.ckaDebiased()[0][0]), "debiased at n=" + r);
        }
        // constant layer: plain 0/0 → NaN, debiased self-HSIC 0 → NaN
        CrossLayerCoMoments k = new CrossLayerCoMoments(1, 2, 1, 2, GEMM, 3);
        for (int r = 0; r < 8; r++) {
            k.add(new double[] {1, 2}, new double[] {r, -r * r});
        }
        assertTrue(Double.isNaN(scored(k).cka()[0][0]));
        assertTrue(Double.isNaN(scored(k).ckaDebiased()[0][0]));
    }

    @Test
    void snapshotRoundTripIsBitwiseAndContinuesIdentically() throws IOException {
        int la = 2, da = 6, lb = 3, db = 5, cap = 8;
        List<Review> reviews = data(new Random(23), 45, la, da, lb, db, 1.0);
        CrossLayerCoMoments c = new CrossLayerCoMoments(la, da, lb, db, GEMM, cap);
        for (int r = 0; r < 29; r++) { // 3 flushed batches + 5 pending
            c.add(reviews.get(r).a(), reviews.get(r).b());
        }
        assertEquals(5, c.pending());
        byte[] bytes = write(c);
        assertEquals(CoMomentsCodec.size(c.state()), bytes.length);
        CrossLayerCoMoments restored = CrossLayerCoMoments.of(CoMomentsCodec.read(
                new DataInputStream(new ByteArrayInputStream(bytes))), GEMM);
        assertArrayEquals(bytes, write(restored));
        assertEquals(c.reviews(), restored.reviews());
        for (int r = 29; r < reviews.size(); r++) {
            c.add(reviews.get(r).a(), reviews.get(r).b());
            restored.add(reviews.get(r).a(), reviews.get(r).b());
        }
        CkaScores s0 = scored(c);
        CkaScores s1 = scored(restored);
        for (int i = 0; i < la; i++) {
            assertArrayEquals(s0.cka()[i], s1.cka()[i], 0.0);
            assertArrayEquals(s0.ckaDebiased()[i], s1.ckaDebiased()[i], 0.0);
        }
        assertArrayEquals(write(c), write(restored));
    }

    /** Corruption is caught by the snapshot file's one checksum (the section has none of its own). */
    @Test
    void aCorruptedCoMomentSnapshotIsDetected(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        CrossLayerCoMoments c = new CrossLayerCoMoments(2, 6, 3, 5, GEMM, 8);
        for (Review r : data(new Random(23), 29, 2, 6, 3, 5, 1.0)) {
            c.add(r.a(), r.b());
        }
        SnapshotFiles files = new SnapshotFiles(dir, 1);
        java.nio.file.Path file = files.write(out -> CoMomentsCodec.write(out, c.state())).file();
        SnapshotFiles.Reader<CrossLayerCoMoments> reader = in -> CrossLayerCoMoments.of(CoMomentsCodec.read(in), GEMM);
        assertEquals(c.reviews(), files.readLatest(reader).orElseThrow().state().reviews());
        byte[] corrupt = java.nio.file.Files.readAllBytes(file);
        corrupt[corrupt.length / 2] ^= 1; // a bit deep inside the accumulators, where no parse check can see it
        java.nio.file.Files.write(file, corrupt);
        IOException e = assertThrows(IOException.class, () -> files.readLatest(reader));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void aCopiedStateIsTheSameStateAndLaterUpdatesDoNotReachIt() throws IOException {
        int la = 2, da = 6, lb = 3, db = 5, cap = 8;
        List<Review> reviews = data(new Random(29), 40, la, da, lb, db, 1.0);
        CrossLayerCoMoments c = new CrossLayerCoMoments(la, da, lb, db, GEMM, cap);
        for (int r = 0; r < 21; r++) { // 2 flushed batches + 5 pending
            c.add(reviews.get(r).a(), reviews.get(r).b());
        }
        byte[] before = write(c);
        CrossLayerCoMoments.State copy = c.state().copy();
        assertEquals(CoMomentsCodec.size(copy), before.length);
        long accumulators = (2L * (la * da + lb * db) + (la + lb) + (la + lb) * (la + lb) + (la * da + lb * db) * (la + lb)
                + (long) la * da * lb * db + la * da * da + lb * db * db + 5L * (la * da + lb * db)) * Double.BYTES;
        assertEquals(accumulators, copy.copyBytes());
        for (int r = 21; r < reviews.size(); r++) { // folds into the live arrays, and refills the buffer
            c.add(reviews.get(r).a(), reviews.get(r).b());
        }
        c.flush();
        assertArrayEquals(before, write(copy), "the copy still holds the state it was taken from");
        assertTrue(!java.util.Arrays.equals(before, write(c)));
        CrossLayerCoMoments fromCopy = CrossLayerCoMoments.of(copy, GEMM);
        for (int r = 21; r < reviews.size(); r++) {
            fromCopy.add(reviews.get(r).a(), reviews.get(r).b());
        }
        fromCopy.flush();
        assertArrayEquals(write(c), write(fromCopy), "and continues exactly as the live state did");

        // A later copy into the first one's arrays: the same values as a fresh copy, in the spare's arrays.
        CrossLayerCoMoments.State spare = c.state().copy();
        for (int r = 0; r < 13; r++) {
            c.add(reviews.get(r).a(), reviews.get(r).b());
        }
        CrossLayerCoMoments.State reused = c.state().copyInto(spare);
        assertArrayEquals(write(c.state().copy()), write(reused));
        assertTrue(reused.cross()[1] == spare.cross()[1] && reused.sum() == spare.sum(), "the spare's arrays");
        CrossLayerCoMoments.State blank = c.state().blankLike();
        CrossLayerCoMoments.State intoBlank = c.state().copyInto(blank);
        assertArrayEquals(write(c.state().copy()), write(intoBlank));
        assertTrue(intoBlank.cross()[0] == blank.cross()[0] && intoBlank.pendingRows() == blank.pendingRows(),
                "a blank of the same shape takes the copy, the buffered rows included");
        CrossLayerCoMoments other = new CrossLayerCoMoments(la, da + 1, lb, db, GEMM, cap);
        other.add(new double[la * (da + 1)], new double[lb * db]);
        CrossLayerCoMoments.State reshaped = other.state().copyInto(spare);
        assertTrue(reshaped.cross()[0] != spare.cross()[0], "another shape gets arrays of its own");
        assertArrayEquals(write(other.state().copy()), write(reshaped));
    }

    static byte[] write(CrossLayerCoMoments.State s) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bos)) {
            CoMomentsCodec.write(out, s);
        }
        return bos.toByteArray();
    }

    static byte[] write(CrossLayerCoMoments c) throws IOException {
        return write(c.state());
    }

    @Test
    void javaFallbackEngineGivesTheSameScores() {
        int la = 2, da = 11, lb = 3, db = 6;
        List<Review> reviews = data(new Random(29), 70, la, da, lb, db, 1.0);
        CrossLayerCoMoments nat = new CrossLayerCoMoments(la, da, lb, db, GEMM, 16);
        CrossLayerCoMoments jav = new CrossLayerCoMoments(la, da, lb, db, GemmEngine.javaFallback(), 16);
        for (Review r : reviews) {
            nat.add(r.a(), r.b());
            jav.add(r.a(), r.b());
        }
        CkaScores s0 = scored(nat);
        CkaScores s1 = scored(jav);
        for (int i = 0; i < la; i++) {
            for (int j = 0; j < lb; j++) {
                assertClose(s0.cka()[i][j], s1.cka()[i][j], 1e-12, "plain");
                assertClose(s0.ckaDebiased()[i][j], s1.ckaDebiased()[i][j], 1e-12, "debiased");
            }
        }
    }

    @Test
    void sideBySideFoldsGiveTheSameSumsAsFoldsInTurn() {
        // 9 columns per second-checkpoint layer, 4 layers: 36 columns cut into panels of 5 (the last of 1), so
        // panels straddle block boundaries and one is narrower than the rest.
        int la = 3, da = 10, lb = 4, db = 9;
        List<Review> reviews = data(new Random(41), 400, la, da, lb, db, 1.0);
        GemmEngine side = GemmEngine.best(3);
        assertEquals(3, side.threads(), side.implementation());
        CrossLayerCoMoments inTurn = new CrossLayerCoMoments(la, da, lb, db, GEMM, 16);
        CrossLayerCoMoments sideBySide = new CrossLayerCoMoments(la, da, lb, db, side, 16);
        // Backlogs of changing widths (folds of 9 to 100 reviews, the panels' GEMMs as wide) with reads in between.
        int[] backlogs = {0, 40, 5, 70, 0, 25, 100};
        int next = 0;
        for (int chunk = 0; next < reviews.size(); chunk++) {
            int width = backlogs[chunk % backlogs.length];
            int size = Math.min(Math.max(width, 9), reviews.size() - next);
            inTurn.beginBacklog(width);
            sideBySide.beginBacklog(width);
            for (Review r : reviews.subList(next, next + size)) {
                inTurn.add(r.a(), r.b());
                sideBySide.add(r.a(), r.b());
            }
            next += size;
            inTurn.endBacklog();
            sideBySide.endBacklog();
            assertEquals(inTurn.pending(), sideBySide.pending());
            if (chunk % 3 == 2) {
                inTurn.flush();
                sideBySide.flush();
                assertClose(inTurn.scores().cka()[1][2], sideBySide.scores().cka()[1][2], 1e-12, "mid-stream");
            }
        }
        assertEquals(inTurn.folds(), sideBySide.folds());
        assertTrue(sideBySide.folds() > 6, "folds: " + sideBySide.folds());
        inTurn.flush();
        sideBySide.flush();
        CrossLayerCoMoments.State a = inTurn.state();
        CrossLayerCoMoments.State b = sideBySide.state();
        assertEquals(a.folded(), b.folded());
        assertArraysClose(a.sum(), b.sum(), "sum");
        assertArraysClose(a.normWeightedSums(), b.normWeightedSums(), "U");
        for (int i = 0; i < la; i++) {
            assertArraysClose(a.cross()[i], b.cross()[i], "cross row " + i);
            assertArraysClose(a.selfFirst()[i], b.selfFirst()[i], "self first " + i);
        }
        for (int j = 0; j < lb; j++) {
            assertArraysClose(a.selfSecond()[j], b.selfSecond()[j], "self second " + j);
        }
        CkaScores s = sideBySide.scores();
        for (int i = 0; i < la; i++) {
            for (int j = 0; j < lb; j++) {
                double[][] x = layer(reviews, true, i, da);
                double[][] y = layer(reviews, false, j, db);
                assertClose(OfflineCka.linearCka(x, y), s.cka()[i][j], 1e-9, "plain " + i + "," + j);
                assertClose(OfflineCka.debiasedCka(x, y), s.ckaDebiased()[i][j], 1e-9, "debiased " + i + "," + j);
            }
        }
    }

    private static void assertArraysClose(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], actual[k], 1e-13 * Math.max(scale, 1), what + " [" + k + "]");
        }
    }

    @Test
    void alignedDiagonalMapsLayersByRelativeDepth() {
        double[][] m = new double[7][13];
        CkaScores s = new CkaScores(10, m, m);
        int[] expected = {0, 2, 4, 6, 8, 10, 12};
        for (int i = 0; i < 7; i++) {
            assertEquals(expected[i], s.alignedSecondLayer(i));
        }
    }
}
