package dev.ckastream.cka.probe;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import dev.ckastream.cka.stats.DiagonalCkaIntervals;
import dev.ckastream.contract.Side;

/**
 * Logistic-regression probes for every layer of both checkpoints over a
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

    private final ProbeTrainingSet set;
    private final double c;
    private final int minTrainPerClass;
    private final int minTest;
    private final Object retrainLock = new Object();

    /** Solutions per side per layer (null before the first fit); replaced as a whole. */
    private volatile Map<Side, LogisticProbe.Solution[]> solutions;
    private volatile ProbeReport lastReport;

    public LayerProbes(int firstLayers, int firstDim, int secondLayers, int secondDim, long maxBytes) {
        this(new ProbeTrainingSet(firstLayers, firstDim, secondLayers, secondDim, maxBytes), DEFAULT_C, DEFAULT_MIN_TRAIN_PER_CLASS,
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
        Map<Side, LogisticProbe.Solution[]> none = new EnumMap<>(Side.class);
        for (Side side : Side.values()) {
            none.put(side, new LogisticProbe.Solution[set.layers(side)]);
        }
        this.solutions = none;
    }

    /** See {@link ProbeTrainingSet#add}. */
    public boolean add(String reviewId, int label, float[] pooledFirst, float[] pooledSecond) {
        return set.add(reviewId, label, pooledFirst, pooledSecond);
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
    public LogisticProbe.Solution solution(Side side, int layer) {
        return solutions.get(side)[layer];
    }

    /** The report of the latest retrain, or null before the first. */
    public ProbeReport lastReport() {
        return lastReport;
    }

    /** Refits all probes on a snapshot of the current sample (warm-started) and evaluates them. */
    public ProbeReport retrain() {
        return retrain(ProbePacing.NONE);
    }

    /**
     * {@link #retrain()} with {@code pacing} told after every step of every fit and after every layer: the
     * report and the solutions are the same, only the time they take may differ.
     */
    public ProbeReport retrain(ProbePacing pacing) {
        synchronized (retrainLock) {
            long t0 = System.nanoTime();
            ProbeTrainingSet.Snapshot snap = set.snapshot();
            ProbeTrainingSet.SplitView tr = snap.train();
            ProbeTrainingSet.SplitView te = snap.test();
            int pos = tr.positives();
            int neg = tr.n() - pos;
            boolean fit = pos >= minTrainPerClass && neg >= minTrainPerClass;
            boolean evaluate = fit && te.n() >= minTest;
            Map<Side, LogisticProbe.Solution[]> old = solutions;
            Map<Side, LogisticProbe.Solution[]> next = new EnumMap<>(Side.class);
            Map<Side, List<ProbeReport.LayerResult>> results = new EnumMap<>(Side.class);
            Map<Side, boolean[][]> right = new EnumMap<>(Side.class); // [layer][test review]: predicted its label
            for (Side side : Side.values()) {
                int layers = set.layers(side);
                int dim = set.dim(side);
                float[][] trainRows = tr.pooled(side);
                float[][] testRows = te.pooled(side);
                LogisticProbe.Solution[] warm = old.get(side);
                LogisticProbe.Solution[] fitted = warm.clone();
                List<ProbeReport.LayerResult> perLayer = new ArrayList<>(layers);
                boolean[][] sideRight = new boolean[layers][];
                right.put(side, sideRight);
                for (int l = 0; l < layers; l++) {
                    if (!fit) {
                        perLayer.add(new ProbeReport.LayerResult(side, l, null, tr.n(), te.n(), 0, Double.NaN, null));
                        continue;
                    }
                    LogisticProbe.Solution s = LogisticProbe.fit(trainRows, l * dim, tr.n(), dim, tr.labels(), c,
                            warm[l], LogisticProbe.DEFAULT_TOLERANCE, LogisticProbe.DEFAULT_MAX_NEWTON_ITERATIONS, pacing);
                    fitted[l] = s;
                    Double acc = null;
                    if (evaluate) {
                        int correct = 0;
                        sideRight[l] = new boolean[te.n()];
                        for (int i = 0; i < te.n(); i++) {
                            sideRight[l][i] = s.predict(testRows[i], l * dim) == te.labels()[i];
                            correct += sideRight[l][i] ? 1 : 0;
                        }
                        acc = correct / (double) te.n();
                    }
                    perLayer.add(new ProbeReport.LayerResult(side, l, acc, tr.n(), te.n(), s.iterations(),
                            s.gradientNorm(), s.converged()));
                    pacing.stepDone();
                }
                next.put(side, fitted);
                results.put(side, List.copyOf(perLayer));
            }
            ProbeReport report = new ProbeReport(results, tr.n(), pos, te.n(), tr.seen(), te.seen(), fit,
                    System.nanoTime() - t0, evaluate ? paired(right, te.n()) : List.of());
            solutions = next;
            lastReport = report;
            return report;
        }
    }

    /** Per layer of the first checkpoint, against the second's layer at the same relative depth. */
    private static List<ProbeReport.PairedCounts> paired(Map<Side, boolean[][]> right, int tests) {
        boolean[][] first = right.get(Side.FIRST);
        boolean[][] second = right.get(Side.SECOND);
        int[] aligned = DiagonalCkaIntervals.alignedByDepth(first.length, second.length);
        List<ProbeReport.PairedCounts> paired = new ArrayList<>(first.length);
        for (int l = 0; l < first.length; l++) {
            int[] table = new int[4];
            for (int i = 0; i < tests; i++) {
                table[(first[l][i] ? 0 : 2) + (second[aligned[l]][i] ? 0 : 1)]++;
            }
            paired.add(new ProbeReport.PairedCounts(table[0], table[1], table[2], table[3]));
        }
        return List.copyOf(paired);
    }

    // ------------------------------------------------------------------ state as plain values

    /**
     * Settings, the training set, the current solutions (the warm starts; null entries before a fit) and the
     * last report (null before the first retrain).
     */
    public record State(double c, int minTrainPerClass, int minTest, ProbeTrainingSet.State trainingSet,
            Map<Side, List<LogisticProbe.Solution>> solutions, ProbeReport lastReport) {
    }

    /** The state; the solutions and report are immutable, the training set's is taken consistently. */
    public State state() {
        // No retrain lock: a retrain takes seconds and a snapshot must not wait for it. Both fields are
        // immutable values published by volatile writes, so this is a retrain's result or the one before.
        ProbeReport report = lastReport;
        Map<Side, LogisticProbe.Solution[]> sol = solutions;
        Map<Side, List<LogisticProbe.Solution>> lists = new EnumMap<>(Side.class);
        sol.forEach((side, perLayer) -> lists.put(side, java.util.Arrays.asList(perLayer.clone())));
        return new State(c, minTrainPerClass, minTest, set.state(), lists, report);
    }

    /**
     * Rebuilds probes from {@link #state()}'s values, exactly.
     *
     * @throws IllegalArgumentException when the solutions do not match the training set's layer counts
     */
    public static LayerProbes of(State s) {
        LayerProbes p = new LayerProbes(ProbeTrainingSet.of(s.trainingSet()), s.c(), s.minTrainPerClass(),
                s.minTest());
        p.solutions = solutions(s, p.set);
        p.lastReport = s.lastReport();
        return p;
    }

    /**
     * Rebuilds probes from {@link #state()}'s values under other settings: the restored labelled reviews are
     * offered again to a training set with {@code maxBytes} and {@code seed} (a smaller bound samples them
     * down; reviews sampled out before the snapshot cannot come back), and the probes fit with {@code c}. The
     * previous solutions stay as warm starts (any start converges to the new optimum); the last report is
     * dropped, since it describes probes fitted under the old settings: the next {@link #retrain()} makes one.
     */
    public static LayerProbes refitted(State s, double c, long maxBytes, long seed) {
        ProbeTrainingSet.State old = s.trainingSet();
        ProbeTrainingSet set = new ProbeTrainingSet(old.firstLayers(), old.firstDim(), old.secondLayers(),
                old.secondDim(), maxBytes, seed);
        for (ProbeTrainingSet.SplitState split : List.of(old.train(), old.test())) {
            ProbeTrainingSet.SplitView v = split.view();
            for (int i = 0; i < v.n(); i++) {
                set.add(v.ids()[i], v.labels()[i], v.pooledFirst()[i], v.pooledSecond()[i]);
            }
        }
        LayerProbes p = new LayerProbes(set, c, s.minTrainPerClass(), s.minTest());
        p.solutions = solutions(s, set);
        return p;
    }

    private static Map<Side, LogisticProbe.Solution[]> solutions(State s, ProbeTrainingSet set) {
        Map<Side, LogisticProbe.Solution[]> sol = new EnumMap<>(Side.class);
        for (Side side : Side.values()) {
            List<LogisticProbe.Solution> perLayer = s.solutions().get(side);
            int layers = set.layers(side);
            if (perLayer == null || perLayer.size() != layers) {
                throw new IllegalArgumentException("the " + side.word() + " checkpoint's solutions cover "
                        + (perLayer == null ? 0 : perLayer.size()) + " layers, not " + layers);
            }
            sol.put(side, perLayer.toArray(LogisticProbe.Solution[]::new));
        }
        return sol;
    }
}
