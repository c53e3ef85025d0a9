package dev.ckastream.cka.probe;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Logistic-regression probes for every layer of both checkpoints (A = 0, B = 1) over a
 * {@link ProbeTrainingSet}.
 *
 * <h2>When accuracies are known</h2>
 * {@link #retrain()} fits only when the training sample holds at least {@code minTrainPerClass} reviews of
 * each class (default {@link #DEFAULT_MIN_TRAIN_PER_CLASS}); accuracy is reported only when, in addition,
 * the test sample holds at least {@code minTest} reviews (default {@link #DEFAULT_MIN_TEST}). Otherwise the
 * accuracy is null (unknown).
 *
 * <h2>Concurrency</h2>
 * {@link #add} may be called from any thread at any time, including during a retrain. {@link #retrain()}
 * takes a consistent {@link ProbeTrainingSet#snapshot()} and fits on it, one probe after the other on the
 * calling thread; concurrent retrains are serialised. Each probe is warm-started from the previous
 * retrain's solution for the same checkpoint and layer. Results are published atomically (volatile,
 * immutable) after the whole retrain: {@link #lastReport()} and {@link #solution} never see a half-done
 * retrain.
 */
public final class LayerProbes {

    public static final int DEFAULT_MIN_TRAIN_PER_CLASS = 10;
    public static final int DEFAULT_MIN_TEST = 5;
    public static final double DEFAULT_C = 1.0;

    private static final int MAGIC = 0x4c50524f; // "LPRO"
    private static final int VERSION = 1;

    private final ProbeTrainingSet set;
    private final double c;
    private final int minTrainPerClass;
    private final int minTest;
    private final Object retrainLock = new Object();

    /** Solutions per checkpoint per layer (null before the first fit); replaced as a whole. */
    private volatile LogisticProbe.Solution[][] solutions;
    private volatile ProbeReport lastReport;

    public LayerProbes(int layersA, int dimA, int layersB, int dimB, long maxBytes) {
        this(new ProbeTrainingSet(layersA, dimA, layersB, dimB, maxBytes), DEFAULT_C, DEFAULT_MIN_TRAIN_PER_CLASS,
                DEFAULT_MIN_TEST);
    }

    public LayerProbes(ProbeTrainingSet set, double c, int minTrainPerClass, int minTest) {
        if (!(c > 0)) {
            throw new IllegalArgumentException("C must be positive");
        }
        if (minTrainPerClass < 1 || minTest < 1) {
            throw new IllegalArgumentException("minimums must be >= 1");
        }
        this.set = set;
        this.c = c;
        this.minTrainPerClass = minTrainPerClass;
        this.minTest = minTest;
        this.solutions = new LogisticProbe.Solution[][] {new LogisticProbe.Solution[set.layersA()],
                new LogisticProbe.Solution[set.layersB()]};
    }

    /** See {@link ProbeTrainingSet#add}. */
    public boolean add(String reviewId, int label, float[] pooledA, float[] pooledB) {
        return set.add(reviewId, label, pooledA, pooledB);
    }

    public ProbeTrainingSet trainingSet() {
        return set;
    }

    public double c() {
        return c;
    }

    public int minTrainPerClass() {
        return minTrainPerClass;
    }

    public int minTest() {
        return minTest;
    }

    /** The latest fitted probe, or null. */
    public LogisticProbe.Solution solution(int checkpoint, int layer) {
        return solutions[checkpoint][layer];
    }

    /** The report of the latest retrain, or null before the first. */
    public ProbeReport lastReport() {
        return lastReport;
    }

    /** Refits all probes on a snapshot of the current sample (warm-started) and evaluates them. */
    public ProbeReport retrain() {
        synchronized (retrainLock) {
            long t0 = System.nanoTime();
            ProbeTrainingSet.Snapshot snap = set.snapshot();
            ProbeTrainingSet.SplitView tr = snap.train();
            ProbeTrainingSet.SplitView te = snap.test();
            int pos = tr.positives();
            int neg = tr.n() - pos;
            boolean fit = pos >= minTrainPerClass && neg >= minTrainPerClass;
            boolean evaluate = fit && te.n() >= minTest;
            LogisticProbe.Solution[][] old = solutions;
            LogisticProbe.Solution[][] next = {old[0].clone(), old[1].clone()};
            List<List<ProbeReport.LayerResult>> results = new ArrayList<>(2);
            for (int ck = 0; ck < 2; ck++) {
                int layers = ck == 0 ? set.layersA() : set.layersB();
                int dim = ck == 0 ? set.dimA() : set.dimB();
                float[][] trainRows = ck == 0 ? tr.pooledA() : tr.pooledB();
                float[][] testRows = ck == 0 ? te.pooledA() : te.pooledB();
                List<ProbeReport.LayerResult> perLayer = new ArrayList<>(layers);
                for (int l = 0; l < layers; l++) {
                    if (!fit) {
                        perLayer.add(new ProbeReport.LayerResult(ck, l, null, tr.n(), te.n(), 0, Double.NaN, false));
                        continue;
                    }
                    LogisticProbe.Solution s = LogisticProbe.fit(trainRows, l * dim, tr.n(), dim, tr.labels(), c,
                            old[ck][l]);
                    next[ck][l] = s;
                    Double acc = null;
                    if (evaluate) {
                        int correct = 0;
                        for (int i = 0; i < te.n(); i++) {
                            correct += s.predict(testRows[i], l * dim) == te.labels()[i] ? 1 : 0;
                        }
                        acc = correct / (double) te.n();
                    }
                    perLayer.add(new ProbeReport.LayerResult(ck, l, acc, tr.n(), te.n(), s.iterations(),
                            s.gradientNorm(), s.converged()));
                }
                results.add(List.copyOf(perLayer));
            }
            ProbeReport report = new ProbeReport(List.copyOf(results), tr.n(), pos, te.n(), tr.seen(), te.seen(), fit,
                    System.nanoTime() - t0);
            solutions = next;
            lastReport = report;
            return report;
        }
    }

    // ------------------------------------------------------------------ snapshots (crash safety)

    /**
     * Writes configuration, the training set and the current solutions (the warm starts). The last
     * report is not written: it is recomputed by the next retrain.
     */
    public void writeTo(DataOutput out) throws IOException {
        LogisticProbe.Solution[][] sol = solutions;
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeDouble(c);
        out.writeInt(minTrainPerClass);
        out.writeInt(minTest);
        set.writeTo(out);
        for (LogisticProbe.Solution[] perCk : sol) {
            out.writeInt(perCk.length);
            for (LogisticProbe.Solution s : perCk) {
                out.writeBoolean(s != null);
                if (s != null) {
                    s.writeTo(out);
                }
            }
        }
    }

    public static LayerProbes readFrom(DataInput in) throws IOException {
        if (in.readInt() != MAGIC) {
            throw new IOException("not a layer-probes snapshot");
        }
        int version = in.readInt();
        if (version != VERSION) {
            throw new IOException("unsupported layer-probes version " + version);
        }
        double c = in.readDouble();
        int minTrain = in.readInt();
        int minTest = in.readInt();
        ProbeTrainingSet set = ProbeTrainingSet.readFrom(in);
        LayerProbes p = new LayerProbes(set, c, minTrain, minTest);
        LogisticProbe.Solution[][] sol = p.solutions;
        for (int ck = 0; ck < 2; ck++) {
            int layers = in.readInt();
            if (layers != sol[ck].length) {
                throw new IOException("layer count " + layers + " does not match " + sol[ck].length);
            }
            for (int l = 0; l < layers; l++) {
                if (in.readBoolean()) {
                    sol[ck][l] = LogisticProbe.Solution.readFrom(in);
                }
            }
        }
        return p;
    }
}
