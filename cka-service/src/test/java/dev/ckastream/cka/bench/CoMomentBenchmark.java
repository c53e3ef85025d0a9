package dev.ckastream.cka.bench;

import dev.ckastream.cka.math.CkaScores;
import dev.ckastream.cka.math.CrossLayerCoMoments;
import dev.ckastream.cka.math.GemmEngine;

import java.util.Arrays;
import java.util.Random;

/**
 * Throughput of {@link CrossLayerCoMoments} (reviews/s) vs. the bare BLAS work of the same shapes, same run.
 *
 * <p>Run from the repository root (offline; the math package only needs the netlib BLAS jar, plus arpack_combined_all, its dependency, without
 * which the JNI library fails in JNI_OnLoad on org/netlib/util/booleanW and netlib silently falls back to Java):
 * <pre>
 * mvn -o -q -pl cka-service test-compile
 * M2=$HOME/.m2/repository
 * CP=cka-service/target/classes:cka-service/target/test-classes:$M2/dev/ludovic/netlib/blas/3.2.0/blas-3.2.0.jar:$M2/net/sourceforge/f2j/arpack_combined_all/0.1/arpack_combined_all-0.1.jar
 * java -Xmx3g -cp $CP dev.ckastream.cka.bench.CoMomentBenchmark                     # native (OpenBLAS), 7×768 vs 7×768
 * java -Xmx3g -cp $CP dev.ckastream.cka.bench.CoMomentBenchmark 7 768 13 384        # DistilBERT vs bge-small
 * java -Xmx3g -Ddev.ludovic.netlib.blas.allowNative=false -Dbench.batches=32 -Dbench.reps=3 -Dbench.perRep=1 \
 *      -cp $CP dev.ckastream.cka.bench.CoMomentBenchmark                             # pure-Java fallback
 * </pre>
 * Args: {@code [layersA dimA layersB dimB]}. System properties: {@code bench.batches} (comma list of batch
 * sizes m, default 16,32,64,128), {@code bench.reps} (timed repetitions, default 5; median reported),
 * {@code bench.perRep} (batches per repetition, default 4), {@code bench.snapshot=true} (also time a
 * co-moment snapshot section round trip through a temp file, at the last batch size). One warm-up repetition of each side precedes
 * the measurement; the two sides' repetitions are interleaved.
 *
 * <p>Baseline per batch of m reviews: the same LA DGEMMs {@code dA × (LB·dB) × m} (block rows, accumulating
 * into C with beta=1) plus the same LA+LB DSYRKs for the self blocks, on a pre-filled float64 batch; i.e. the
 * GEMM work alone, without float→double conversion, shifting, norms, the U update, or buffering.
 */
public final class CoMomentBenchmark {

    public static void main(String[] args) {
        int la = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int da = args.length > 1 ? Integer.parseInt(args[1]) : 768;
        int lb = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        int db = args.length > 3 ? Integer.parseInt(args[3]) : 768;
        int[] batches = Arrays.stream(System.getProperty("bench.batches", "16,32,64,128").split(","))
                .map(String::trim).mapToInt(Integer::parseInt).toArray();
        int reps = Integer.getInteger("bench.reps", 5);
        int perRep = Integer.getInteger("bench.perRep", 4);

        // -Dbench.gemmThreads=N (N > 1): the co-moment update runs its calls side by side on N threads, each
        // single-threaded (the service's cka.gemm-threads). That sets OpenBLAS to one thread for this whole JVM,
        // so the bare update (OpenBLAS's own threads) is then timed first for every batch size, not interleaved.
        int gemmThreads = Integer.getInteger("bench.gemmThreads", 1);
        GemmEngine gemm = GemmEngine.best();
        double[] bareFirst = gemmThreads > 1 ? new double[batches.length] : null;
        if (bareFirst != null) {
            for (int b = 0; b < batches.length; b++) {
                int m = batches[b];
                bareFirst[b] = bareReviewsPerSecond(gemm, la, da, lb, db, m, reps, perRep, new double[la][da * lb * db],
                        new double[la][da * da], new double[lb][db * db]);
            }
            gemm = GemmEngine.best(gemmThreads);
        }
        double flopsPerReview = 2.0 * la * da * lb * db + 1.0 * (la * da * (da + 1.0) + lb * db * (db + 1.0));
        System.out.printf("BLAS: %s | shapes A %d×%d, B %d×%d | %.1f MFLOP/review (cross GEMM + self SYRK) | "
                        + "cores %d | reps %d × %d batches, median%n",
                gemm.implementation(), la, da, lb, db, flopsPerReview / 1e6,
                Runtime.getRuntime().availableProcessors(), reps, perRep);
        System.out.println("    m | CrossLayerCoMoments rev/s | bare BLAS rev/s | ratio | GFLOP/s (ours) | scores() ms");

        Random rnd = new Random(1);
        int pool = 256;
        float[][] poolA = new float[pool][la * da];
        float[][] poolB = new float[pool][lb * db];
        for (int r = 0; r < pool; r++) {
            for (int k = 0; k < la * da; k++) {
                poolA[r][k] = (float) ((k % 97 == 0 ? 300.0 : 0.0) + rnd.nextGaussian());
            }
            for (int k = 0; k < lb * db; k++) {
                poolB[r][k] = (float) ((k % 89 == 0 ? -50.0 : 0.0) + rnd.nextGaussian());
            }
        }

        for (int bi = 0; bi < batches.length; bi++) {
            int m = batches[bi];
            // Both sides live at once and their repetitions are interleaved (ours, bare, ours, bare, …) so that
            // load from other processes on the shared cores hits both alike; medians of each.
            CrossLayerCoMoments c = new CrossLayerCoMoments(la, da, lb, db, gemm, m);
            int[] next = {0};
            Runnable oursRep = () -> {
                for (int b = 0; b < perRep; b++) {
                    for (int r = 0; r < m; r++) {
                        int idx = next[0]++ % pool;
                        c.add(poolA[idx], poolB[idx]); // the m-th add flushes: one GEMM batch
                    }
                }
            };
            // Side by side, the bare update was timed before (bareFirst): no batch or accumulators for it here.
            Runnable bareRep = bareFirst != null ? () -> { } : bareUpdate(gemm, la, da, lb, db, m, perRep,
                    randomBatch(rnd, la * da + lb * db, m), new double[la][da * lb * db], new double[la][da * da],
                    new double[lb][db * db]);
            oursRep.run(); // warm-up: JIT, page-in of the accumulators
            bareRep.run();
            double[] tOurs = new double[reps];
            double[] tBare = new double[reps];
            for (int i = 0; i < reps; i++) {
                tOurs[i] = seconds(oursRep);
                tBare[i] = seconds(bareRep);
            }
            double oursSec = median(tOurs);
            double bareSec = bareFirst != null ? perRep * m / bareFirst[bi] : median(tBare);
            double scoresMs = Double.MAX_VALUE;
            c.flush();
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                CkaScores sc = c.scores();
                scoresMs = Math.min(scoresMs, (System.nanoTime() - t0) / 1e6);
                if (Double.isNaN(sc.cka()[0][0]) || Double.isNaN(sc.ckaDebiased()[0][0])) {
                    throw new AssertionError("NaN score");
                }
            }
            if (Boolean.getBoolean("bench.snapshot") && m == batches[batches.length - 1]) {
                snapshot(c, gemm);
            }
            double reviewsPerRep = (double) perRep * m;
            double ours = reviewsPerRep / oursSec;
            double bare = reviewsPerRep / bareSec;
            System.out.printf("%5d | %25.1f | %15.1f | %5.2f | %14.1f | %10.1f%n",
                    m, ours, bare, ours / bare, ours * flopsPerReview / 1e9, scoresMs);
        }
    }

    /**
     * Reviews/s of the bare co-moment update at batch size {@code m}: the same cross DGEMMs and self DSYRKs
     * (see the class comment) on a pre-filled float64 batch, through {@code gemm}, into {@code cross},
     * {@code selfA} and {@code selfB} (accumulated into, so that they can be reused across batch sizes). One
     * warm-up repetition, then the median of {@code reps} repetitions of {@code perRep} batches.
     */
    public static double bareReviewsPerSecond(GemmEngine gemm, int la, int da, int lb, int db, int m, int reps,
            int perRep, double[][] cross, double[][] selfA, double[][] selfB) {
        Runnable rep = bareUpdate(gemm, la, da, lb, db, m, perRep, randomBatch(new Random(m), la * da + lb * db, m),
                cross, selfA, selfB);
        rep.run();
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            t[i] = seconds(rep);
        }
        return (double) perRep * m / median(t);
    }

    /**
     * {@code m} reviews of {@code dim} standard normal values, column-major, with one column of slack (netlib's
     * argument checks, see {@link GemmEngine}).
     */
    private static double[] randomBatch(Random rnd, int dim, int m) {
        double[] z = new double[dim * (m + 1)];
        for (int k = 0; k < dim * m; k++) {
            z[k] = rnd.nextGaussian();
        }
        return z;
    }

    /**
     * {@code perRep} bare co-moment updates of the {@code m} reviews in {@code z} (column-major, one review per
     * column of {@code la·da + lb·db} values): one cross DGEMM per first-checkpoint layer and one DSYRK per layer
     * of each checkpoint, accumulated into {@code cross}, {@code selfA}, {@code selfB}.
     */
    private static Runnable bareUpdate(GemmEngine gemm, int la, int da, int lb, int db, int m, int perRep, double[] z,
            double[][] cross, double[][] selfA, double[][] selfB) {
        int dim = la * da + lb * db;
        int offB = la * da;
        return () -> {
            for (int b = 0; b < perRep; b++) {
                for (int i = 0; i < la; i++) {
                    gemm.dgemm(false, true, da, lb * db, m, 1.0, z, i * da, dim, z, offB, dim, 1.0, cross[i], 0, da);
                }
                for (int i = 0; i < la; i++) {
                    gemm.dsyrkUpper(da, m, 1.0, z, i * da, dim, 1.0, selfA[i], 0, da);
                }
                for (int j = 0; j < lb; j++) {
                    gemm.dsyrkUpper(db, m, 1.0, z, offB + j * db, dim, 1.0, selfB[j], 0, db);
                }
            }
        };
    }

    /** Times the co-moment section's write and read through a buffered temp file (page cache; no fsync). */
    private static void snapshot(CrossLayerCoMoments c, GemmEngine gemm) {
        try {
            java.nio.file.Path f = java.nio.file.Files.createTempFile("cka-snapshot", ".bin");
            try {
                long t0 = System.nanoTime();
                try (java.io.DataOutputStream out = new java.io.DataOutputStream(new java.io.BufferedOutputStream(
                        java.nio.file.Files.newOutputStream(f), 1 << 20))) {
                    dev.ckastream.cka.snapshot.CoMomentsCodec.write(out, c.state());
                }
                long t1 = System.nanoTime();
                CrossLayerCoMoments back;
                try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(
                        java.nio.file.Files.newInputStream(f), 1 << 20))) {
                    back = CrossLayerCoMoments.of(dev.ckastream.cka.snapshot.CoMomentsCodec.read(in), gemm);
                }
                long t2 = System.nanoTime();
                long size = dev.ckastream.cka.snapshot.CoMomentsCodec.size(c.state());
                System.out.printf("snapshot: %.1f MB (section size %d, file %d), write %.0f ms, read %.0f ms, "
                                + "reviews %d/%d%n", size / 1e6, size,
                        java.nio.file.Files.size(f), (t1 - t0) / 1e6, (t2 - t1) / 1e6, back.reviews(), c.reviews());
            } finally {
                java.nio.file.Files.deleteIfExists(f);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static double seconds(Runnable rep) {
        long t0 = System.nanoTime();
        rep.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double median(double[] t) {
        double[] c = t.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : 0.5 * (c[c.length / 2 - 1] + c[c.length / 2]);
    }
}
