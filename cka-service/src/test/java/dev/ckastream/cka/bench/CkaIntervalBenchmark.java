package dev.ckastream.cka.bench;

import dev.ckastream.cka.math.GemmEngine;
import dev.ckastream.cka.stats.ConfidenceLevel;
import dev.ckastream.cka.stats.DiagonalCkaIntervals;
import dev.ckastream.cka.stats.RetainedReviews;

import java.util.SplittableRandom;

/**
 * Cost of the live diagonal CKA intervals ({@link DiagonalCkaIntervals}) at service shapes: the time of one
 * interval computation when the whole retained sample is new (first full sample), after 1,000 more reviews
 * at n ≈ 1,500 and at n ≈ 20,000 (few slots change), and with no change; plus the stream-side cost of
 * {@link RetainedReviews#offer}. CPU time of the calling thread is printed too: the machine may be shared,
 * and with the pure-Java BLAS all work runs on that thread. Run like {@link CoMomentBenchmark}:
 * {@code java -cp $CP dev.ckastream.cka.bench.CkaIntervalBenchmark [layers dim capacity]}.
 */
public final class CkaIntervalBenchmark {

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        int layers = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int dim = args.length > 1 ? Integer.parseInt(args[1]) : 768;
        int capacity = args.length > 2 ? Integer.parseInt(args[2]) : 512;
        GemmEngine gemm = GemmEngine.best();
        RetainedReviews sample = new RetainedReviews(layers, dim, layers, dim, capacity);
        DiagonalCkaIntervals intervals = new DiagonalCkaIntervals(sample, gemm);
        SplittableRandom random = new SplittableRandom(1);
        float[] first = new float[layers * dim];
        float[] second = new float[layers * dim];
        double[] point = new double[layers];
        java.util.Arrays.fill(point, 0.5);
        long id = 0;
        long offerNanos = 0;
        int[] targets = {capacity, capacity + 1000, 19_000, 20_000};
        String[] labels = {"whole sample new", "+1000 reviews at n~1.5k", "(warm-up to 19k)", "+1000 reviews at n=20k"};
        for (int t = 0; t < targets.length; t++) {
            while (id < targets[t]) {
                for (int k = 0; k < first.length; k++) {
                    first[k] = random.nextFloat();
                    second[k] = random.nextFloat();
                }
                long s = System.nanoTime();
                sample.offer("review-" + id++, first, second);
                offerNanos += System.nanoTime() - s;
            }
            long s = System.nanoTime();
            long cpu = THREADS.getCurrentThreadCpuTime();
            intervals.intervals(point, point, ConfidenceLevel.NINETY_FIVE);
            double ms = (System.nanoTime() - s) / 1e6;
            double cpuMs = (THREADS.getCurrentThreadCpuTime() - cpu) / 1e6;
            System.out.printf("%d×%d R=%d n=%d %s: %.1f ms wall, %.1f ms CPU of this thread%n", layers, dim,
                    capacity, id, labels[t], ms, cpuMs);
        }
        long s = System.nanoTime();
        long cpu = THREADS.getCurrentThreadCpuTime();
        int reps = 5;
        for (int r = 0; r < reps; r++) {
            intervals.intervals(point, point, ConfidenceLevel.NINETY_FIVE);
        }
        System.out.printf("%d×%d R=%d no change: %.1f ms wall, %.1f ms CPU per call; offer: %.1f µs per review (%s)%n",
                layers, dim, capacity, (System.nanoTime() - s) / 1e6 / reps,
                (THREADS.getCurrentThreadCpuTime() - cpu) / 1e6 / reps, offerNanos / 1e3 / id, gemm.implementation());
    }
}
