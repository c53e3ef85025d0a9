package dev.ckastream.cka.math;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GemmEngineTest {

    private static List<GemmEngine> engines() {
        return List.of(GemmEngine.best(), GemmEngine.javaFallback());
    }

    private static double[] random(Random rnd, int len) {
        double[] a = new double[len];
        for (int i = 0; i < len; i++) {
            a[i] = rnd.nextGaussian();
        }
        return a;
    }

    @Test
    void implementationNamesTheBlasInUse() {
        GemmEngine best = GemmEngine.best();
        GemmEngine fallback = GemmEngine.javaFallback();
        System.out.println("best GEMM engine: " + best.implementation() + "; fallback: " + fallback.implementation());
        // Not asserting native: a machine without libblas.so.3 must still pass; the benchmark reports it.
        assertEquals(best.isNative(), best.implementation().contains("native"));
        assertTrue(!fallback.isNative() && fallback.implementation().contains("pure Java"));
    }

    @Test
    void dgemmColumnMajorLayoutWithOffsetsLeadingDimsAndTransposesMatchesTripleLoop() {
        Random rnd = new Random(1);
        int m = 5, n = 7, k = 3;
        for (GemmEngine g : engines()) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    // A stored as (ta ? k×m : m×k) with lda = rows + 2, offset 3; B likewise
                    int aRows = ta ? k : m, aCols = ta ? m : k, lda = aRows + 2, offA = 3;
                    int bRows = tb ? n : k, bCols = tb ? k : n, ldb = bRows + 1, offB = 2;
                    int ldc = m + 3, offC = 4;
                    double[] a = random(rnd, offA + lda * aCols);
                    double[] b = random(rnd, offB + ldb * bCols);
                    double[] c = random(rnd, offC + ldc * n);
                    double[] expected = c.clone();
                    double alpha = 1.5, beta = 0.5;
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double acc = 0;
                            for (int p = 0; p < k; p++) {
                                double aip = ta ? a[offA + p + i * lda] : a[offA + i + p * lda];
                                double bpj = tb ? b[offB + j + p * ldb] : b[offB + p + j * ldb];
                                acc += aip * bpj;
                            }
                            expected[offC + i + j * ldc] = alpha * acc + beta * c[offC + i + j * ldc];
                        }
                    }
                    g.dgemm(ta, tb, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
                    for (int i = 0; i < c.length; i++) {
                        assertEquals(expected[i], c[i], 1e-12, g.implementation() + " ta=" + ta + " tb=" + tb + " @" + i);
                    }
                }
            }
        }
    }

    @Test
    void dsyrkUpperUpdatesOnlyTheUpperTriangle() {
        Random rnd = new Random(2);
        int n = 6, k = 4, lda = 9, offA = 1, ldc = 7, offC = 2;
        for (GemmEngine g : engines()) {
            double[] a = random(rnd, offA + lda * k);
            double[] c = random(rnd, offC + ldc * n);
            double[] before = c.clone();
            g.dsyrkUpper(n, k, 2.0, a, offA, lda, 1.0, c, offC, ldc);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    int idx = offC + i + j * ldc;
                    if (i <= j) {
                        double acc = 0;
                        for (int p = 0; p < k; p++) {
                            acc += a[offA + i + p * lda] * a[offA + j + p * lda];
                        }
                        assertEquals(2.0 * acc + before[idx], c[idx], 1e-12, g.implementation());
                    } else {
                        assertEquals(before[idx], c[idx], 0.0, "lower triangle touched");
                    }
                }
            }
        }
    }

    @Test
    void sideBySideEngineRunsTasksConcurrentlyAndReportsThem() throws Exception {
        GemmEngine engine = GemmEngine.best(2);
        // OpenBLAS is set to one thread, or the BLAS is pure Java: either way the calls go side by side. (A
        // native BLAS other than OpenBLAS would keep its own threads; the project installs OpenBLAS.)
        assertEquals(2, engine.threads(), engine.implementation());
        assertTrue(engine.implementation().contains("2 single-threaded calls side by side"), engine.implementation());
        // Each of the first two tasks waits for the other to have started: only concurrent execution ends them.
        CountDownLatch both = new CountDownLatch(2);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        AtomicInteger ran = new AtomicInteger();
        List<Runnable> tasks = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            boolean meet = t < 2;
            tasks.add(() -> {
                threads.add(Thread.currentThread().getName());
                if (meet) {
                    both.countDown();
                    try {
                        assertTrue(both.await(10, TimeUnit.SECONDS), "the other task never started");
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                ran.incrementAndGet();
            });
        }
        engine.runAll(tasks);
        assertEquals(6, ran.get());
        assertEquals(2, threads.size(), threads.toString());
        assertTrue(threads.stream().allMatch(n -> n.startsWith("cka-gemm-")), threads.toString());
        assertEquals(1, GemmEngine.best().threads());
    }

    @Test
    void sideBySideEngineRethrowsATaskFailureAfterTheOthersFinished() {
        GemmEngine engine = GemmEngine.best(2);
        AtomicInteger ran = new AtomicInteger();
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        List<Runnable> tasks = new ArrayList<>();
        tasks.add(() -> {
            throw boom;
        });
        for (int t = 0; t < 5; t++) {
            tasks.add(() -> {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                ran.incrementAndGet();
            });
        }
        assertSame(boom, assertThrows(IllegalArgumentException.class, () -> engine.runAll(tasks)));
        assertEquals(5, ran.get(), "runAll returned while tasks were still writing");
        // An Error (e.g. out of memory in a task) waits for the others as well.
        AssertionError fatal = new AssertionError("fatal");
        tasks.set(0, () -> {
            throw fatal;
        });
        assertSame(fatal, assertThrows(AssertionError.class, () -> engine.runAll(tasks)));
        assertEquals(10, ran.get(), "runAll returned while tasks were still writing");
    }

    @Test
    void sideBySideDgemmPanelsEqualOneCall() {
        Random rnd = new Random(5);
        int m = 37, n = 53, k = 29, width = 8;
        double[] a = random(rnd, m * k + m);
        double[] b = random(rnd, n * k + n);
        double[] c = random(rnd, m * n);
        double[] one = c.clone();
        GemmEngine.best().dgemm(false, true, m, n, k, 1.0, a, 0, m, b, 0, n, 1.0, one, 0, m);
        GemmEngine side = GemmEngine.best(3);
        List<Runnable> panels = new ArrayList<>();
        for (int from = 0; from < n; from += width) {
            int c0 = from, w = Math.min(width, n - from);
            panels.add(() -> side.dgemm(false, true, m, w, k, 1.0, a, 0, m, b, c0, n, 1.0, c, c0 * m, m));
        }
        side.runAll(panels);
        for (int i = 0; i < m * n; i++) {
            assertEquals(one[i], c[i], 1e-12 * Math.max(1, Math.abs(one[i])), "element " + i);
        }
    }
}
