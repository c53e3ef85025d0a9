package dev.ckastream.cka.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.ckastream.cka.snapshot.ProbesCodec;
import dev.ckastream.contract.Side;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;

class LayerProbesTest {

    static final int LA = 3, DA = 4, LB = 2, DB = 5;

    /** A review: label, and pooled vectors where layer l of each checkpoint carries signal of strength l. */
    static final class Review {
        final String id;
        final int label;
        final float[] a;
        final float[] b;

        Review(String id, int label, float[] a, float[] b) {
            this.id = id;
            this.label = label;
            this.a = a;
            this.b = b;
        }
    }

    static Review review(Random rnd, String id, int label) {
        double y = label == 1 ? 1 : -1;
        float[] a = new float[LA * DA];
        float[] b = new float[LB * DB];
        for (int l = 0; l < LA; l++) {
            for (int j = 0; j < DA; j++) {
                a[l * DA + j] = (float) (0.5 * l * y * (j == 0 ? 1 : 0.3) + rnd.nextGaussian() + j);
            }
        }
        for (int l = 0; l < LB; l++) {
            for (int j = 0; j < DB; j++) {
                b[l * DB + j] = (float) (0.8 * (l + 0.5) * y * (j % 2 == 0 ? 1 : -0.5) + 2 * rnd.nextGaussian());
            }
        }
        return new Review(id, label, a, b);
    }

    static List<Review> reviews(long seed, int n, String prefix) {
        Random rnd = new Random(seed);
        List<Review> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(review(rnd, prefix + i, rnd.nextInt(2)));
        }
        return out;
    }

    /** Independent reference: direct Cholesky Newton (LogisticProbeTest) on the split, and accuracy computed here. */
    static double referenceAccuracy(List<Review> all, Side side, int layer) {
        int dim = side == Side.FIRST ? DA : DB;
        List<Review> train = new ArrayList<>();
        List<Review> test = new ArrayList<>();
        for (Review r : all) {
            (ProbeSplit.isTestReview(r.id) ? test : train).add(r);
        }
        float[][] rows = new float[train.size()][];
        int[] labels = new int[train.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = side == Side.FIRST ? train.get(i).a : train.get(i).b;
            labels[i] = train.get(i).label;
        }
        double[] mean = new double[dim], scale = new double[dim];
        double[][] z = LogisticProbeTest.standardise(rows, layer * dim, rows.length, dim, mean, scale);
        double[] theta = LogisticProbeTest.directNewton(z, labels, 1.0);
        int correct = 0;
        for (Review r : test) {
            float[] x = side == Side.FIRST ? r.a : r.b;
            double t = theta[dim];
            for (int j = 0; j < dim; j++) {
                t += theta[j] * (x[layer * dim + j] - mean[j]) / scale[j];
            }
            correct += (t > 0 ? 1 : 0) == r.label ? 1 : 0;
        }
        return correct / (double) test.size();
    }

    static LayerProbes probes() {
        return new LayerProbes(LA, DA, LB, DB, ProbeTrainingSet.DEFAULT_MAX_BYTES);
    }

    @Test
    void accuracyIsNullUntilEnoughData() {
        LayerProbes p = probes();
        Random rnd = new Random(1);
        int trainPos = 0, trainNeg = 0, test = 0, i = 0;
        // 9 positives in training only: not enough
        while (trainPos < 9 || trainNeg < 30 || test < 10) {
            String id = "n" + i++;
            boolean isTest = ProbeSplit.isTestReview(id);
            int label;
            if (isTest) {
                label = rnd.nextInt(2);
                test++;
            } else if (trainPos < 9) {
                label = 1;
                trainPos++;
            } else {
                label = 0;
                trainNeg++;
            }
            p.add(id, label, review(rnd, id, label).a, review(rnd, id, label).b);
        }
        ProbeReport r = p.retrain();
        assertFalse(r.fitted());
        assertNull(r.accuracy(Side.FIRST, 0));
        assertNull(r.accuracy(Side.SECOND, 1));
        assertNull(p.solution(Side.FIRST, 0));
        assertEquals(9, r.trainPositives());
        // one more training positive: fitted and evaluated
        for (;; i++) {
            String id = "n" + i;
            if (!ProbeSplit.isTestReview(id)) {
                Review rv = review(rnd, id, 1);
                p.add(id, 1, rv.a, rv.b);
                break;
            }
        }
        r = p.retrain();
        assertTrue(r.fitted());
        assertNotNull(r.accuracy(Side.FIRST, 2));
        assertNotNull(p.solution(Side.SECOND, 1));
        assertEquals(LA, r.sides().get(Side.FIRST).size());
        assertEquals(LB, r.sides().get(Side.SECOND).size());
    }

    @Test
    void fittedButNoAccuracyWithTooFewTestReviews() {
        LayerProbes p = new LayerProbes(new ProbeTrainingSet(LA, DA, LB, DB, 1 << 20), 1.0, 10, 5);
        Random rnd = new Random(2);
        int test = 0;
        for (int i = 0; test < 4 || i < 200; i++) {
            String id = "f" + i;
            boolean isTest = ProbeSplit.isTestReview(id);
            if (isTest && test == 4) {
                continue;
            }
            test += isTest ? 1 : 0;
            Review r = review(rnd, id, i % 2);
            p.add(id, r.label, r.a, r.b);
        }
        ProbeReport r = p.retrain();
        assertTrue(r.fitted());
        assertEquals(4, r.testCount());
        assertNull(r.accuracy(Side.FIRST, 1));
        assertNotNull(p.solution(Side.FIRST, 1));
    }

    @Test
    void accuraciesMatchAnIndependentDirectSolveAndWarmRetrainMatchesCold() {
        List<Review> all = reviews(3, 600, "acc-");
        LayerProbes p = probes();
        for (Review r : all.subList(0, 300)) {
            p.add(r.id, r.label, r.a, r.b);
        }
        p.retrain();
        for (Review r : all.subList(300, 600)) {
            p.add(r.id, r.label, r.a, r.b);
        }
        ProbeReport warm = p.retrain(); // warm-started from the 300-review fit
        for (Side side : Side.values()) {
            for (int l = 0; l < (side == Side.FIRST ? LA : LB); l++) {
                ProbeReport.LayerResult lr = warm.layer(side, l);
                assertTrue(lr.converged(), lr::toString);
                assertEquals(referenceAccuracy(all, side, l), lr.accuracy(), 1e-12, "side " + side + " layer " + l);
            }
        }
        // signal grows with the layer index in checkpoint A
        assertTrue(warm.accuracy(Side.FIRST, 2) > warm.accuracy(Side.FIRST, 0) + 0.1, warm.sides().toString());
        // cold start on the same data
        LayerProbes cold = probes();
        for (Review r : all) {
            cold.add(r.id, r.label, r.a, r.b);
        }
        ProbeReport coldReport = cold.retrain();
        for (Side side : Side.values()) {
            for (int l = 0; l < (side == Side.FIRST ? LA : LB); l++) {
                assertArrayEquals(cold.solution(side, l).weights(), p.solution(side, l).weights(), 1e-7);
                assertEquals(cold.solution(side, l).intercept(), p.solution(side, l).intercept(), 1e-7);
                assertEquals(coldReport.accuracy(side, l), warm.accuracy(side, l));
            }
        }
        assertEquals(coldReport.trainCount() + coldReport.testCount(), 600);
    }

    @Test
    void aPacedRetrainGivesExactlyTheUnpacedResult() {
        List<Review> all = reviews(5, 500, "paced-");
        LayerProbes unpaced = probes();
        LayerProbes paced = probes();
        for (Review r : all) {
            unpaced.add(r.id, r.label, r.a, r.b);
            paced.add(r.id, r.label, r.a, r.b);
        }
        ProbeReport expected = unpaced.retrain();
        int[] steps = {0};
        ProbeReport got = paced.retrain(() -> {
            steps[0]++;
            Thread.yield();
        });
        // At least one step per Newton iteration and one per layer.
        int layers = LA + LB;
        int iterations = 0;
        for (Side side : Side.values()) {
            for (int l = 0; l < (side == Side.FIRST ? LA : LB); l++) {
                iterations += got.layer(side, l).iterations();
                assertEquals(unpaced.solution(side, l), paced.solution(side, l), side + " layer " + l);
                assertEquals(expected.layer(side, l), got.layer(side, l));
            }
        }
        assertTrue(iterations > 0);
        assertTrue(steps[0] >= layers + iterations, steps[0] + " steps");
        assertEquals(expected.paired(), got.paired());
    }

    @Test
    void addingWhileRetrainingIsSafe() throws Exception {
        List<Review> all = reviews(4, 4000, "conc-");
        long per = ProbeTrainingSet.bytesPerReview(LA, DA, LB, DB);
        LayerProbes p = new LayerProbes(new ProbeTrainingSet(LA, DA, LB, DB, 1500 * per), 1.0, 10, 5);
        for (Review r : all.subList(0, 100)) {
            p.add(r.id, r.label, r.a, r.b);
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                for (Review r : all.subList(100, 4000)) {
                    p.add(r.id, r.label, r.a, r.b);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        writer.start();
        int retrains = 0;
        while (writer.isAlive() || retrains < 3) {
            ProbeReport r = p.retrain();
            assertTrue(r.fitted());
            assertTrue(r.trainCount() + r.testCount() <= 1500);
            retrains++;
        }
        writer.join();
        assertNull(failure.get());
        ProbeReport last = p.retrain();
        assertEquals(p.trainingSet().capacity(false), last.trainCount());
        assertEquals(p.trainingSet().capacity(true), last.testCount());
        assertEquals(4000, last.trainSeen() + last.testSeen());
        assertTrue(last.accuracy(Side.FIRST, 2) > 0.6);
    }

    @Test
    void snapshotRoundTripIsExact() throws Exception {
        List<Review> all = reviews(5, 300, "snap-");
        LayerProbes p = probes();
        for (Review r : all.subList(0, 200)) {
            p.add(r.id, r.label, r.a, r.b);
        }
        p.retrain();
        byte[] bytes = bytes(p);
        LayerProbes back = LayerProbes.of(ProbesCodec.read(new DataInputStream(new ByteArrayInputStream(bytes))));
        assertArrayEquals(bytes, bytes(back));
        assertEquals(p.lastReport(), back.lastReport(), "the last report is part of the state");
        for (int l = 0; l < LA; l++) {
            assertEquals(p.solution(Side.FIRST, l), back.solution(Side.FIRST, l));
        }
        // both continue identically (same warm starts, same sample)
        for (Review r : all.subList(200, 300)) {
            p.add(r.id, r.label, r.a, r.b);
            back.add(r.id, r.label, r.a, r.b);
        }
        ProbeReport r1 = p.retrain();
        ProbeReport r2 = back.retrain();
        assertEquals(r1.sides(), r2.sides());
    }
    private static byte[] bytes(LayerProbes p) throws java.io.IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        ProbesCodec.write(new DataOutputStream(bo), p.state());
        return bo.toByteArray();
    }
}
