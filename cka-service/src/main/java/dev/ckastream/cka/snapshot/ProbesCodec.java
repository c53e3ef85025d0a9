package dev.ckastream.cka.snapshot;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import dev.ckastream.cka.probe.LayerProbes;
import dev.ckastream.cka.probe.LogisticProbe;
import dev.ckastream.cka.probe.ProbeReport;
import dev.ckastream.cka.probe.ProbeTrainingSet;
import dev.ckastream.contract.Side;

/**
 * The probes' section of a snapshot: settings, the labelled sample of both splits (slot and heap order, so
 * the sample continues identically), every probe's solution (the warm starts) and the last report, so
 * that scores carry probe accuracies right after a restart.
 */
public final class ProbesCodec {

    private ProbesCodec() {
    }

    /** Writes the section alone (tests, benchmarks); snapshots write it inside {@link StateCodec}. */
    public static void write(DataOutput out, LayerProbes.State s) throws IOException {
        write(new SnapshotBinary.Out(out), s);
    }

    /** Reads a section written by {@link #write(DataOutput, LayerProbes.State)}. */
    public static LayerProbes.State read(DataInput in) throws IOException {
        return read(new SnapshotBinary.In(in));
    }

    static void write(SnapshotBinary.Out out, LayerProbes.State s) throws IOException {
        out.writeDouble(s.c());
        out.writeInt(s.minTrainPerClass());
        out.writeInt(s.minTest());
        writeTrainingSet(out, s.trainingSet());
        for (Side side : Side.values()) {
            List<LogisticProbe.Solution> perLayer = s.solutions().get(side);
            out.writeInt(perLayer.size());
            for (LogisticProbe.Solution solution : perLayer) {
                out.writeBoolean(solution != null);
                if (solution != null) {
                    writeSolution(out, solution);
                }
            }
        }
        out.writeBoolean(s.lastReport() != null);
        if (s.lastReport() != null) {
            writeReport(out, s.lastReport());
        }
    }

    static LayerProbes.State read(SnapshotBinary.In in) throws IOException {
        double c = in.readDouble();
        int minTrain = in.readCount(1, Integer.MAX_VALUE, "probe training minimum");
        int minTest = in.readCount(1, Integer.MAX_VALUE, "probe test minimum");
        ProbeTrainingSet.State set = readTrainingSet(in);
        Map<Side, List<LogisticProbe.Solution>> solutions = new EnumMap<>(Side.class);
        for (Side side : Side.values()) {
            int layers = in.readCount(0, 1 << 16, "probe count");
            List<LogisticProbe.Solution> perLayer = new ArrayList<>(layers);
            for (int l = 0; l < layers; l++) {
                perLayer.add(in.readBoolean() ? readSolution(in) : null);
            }
            solutions.put(side, perLayer);
        }
        ProbeReport report = in.readBoolean() ? readReport(in) : null;
        return new LayerProbes.State(c, minTrain, minTest, set, solutions, report);
    }

    /** Writes a training set alone (tests). */
    public static void writeTrainingSet(DataOutput out, ProbeTrainingSet.State set) throws IOException {
        writeTrainingSet(new SnapshotBinary.Out(out), set);
    }

    /** Reads what {@link #writeTrainingSet(DataOutput, ProbeTrainingSet.State)} wrote. */
    public static ProbeTrainingSet.State readTrainingSet(DataInput in) throws IOException {
        return readTrainingSet(new SnapshotBinary.In(in));
    }

    /** Writes one probe's solution alone (tests). */
    public static void writeSolution(DataOutput out, LogisticProbe.Solution s) throws IOException {
        writeSolution(new SnapshotBinary.Out(out), s);
    }

    /** Reads what {@link #writeSolution(DataOutput, LogisticProbe.Solution)} wrote. */
    public static LogisticProbe.Solution readSolution(DataInput in) throws IOException {
        return readSolution(new SnapshotBinary.In(in));
    }

    private static void writeTrainingSet(SnapshotBinary.Out out, ProbeTrainingSet.State set) throws IOException {
        out.writeInt(set.firstLayers());
        out.writeInt(set.firstDim());
        out.writeInt(set.secondLayers());
        out.writeInt(set.secondDim());
        out.writeLong(set.maxBytes());
        out.writeLong(set.seed());
        writeSplit(out, set.train());
        writeSplit(out, set.test());
    }

    private static ProbeTrainingSet.State readTrainingSet(SnapshotBinary.In in) throws IOException {
        int firstLayers = in.readCount(1, 1 << 16, "first checkpoint's layer count");
        int firstDim = in.readCount(1, 1 << 20, "first checkpoint's dimension");
        int secondLayers = in.readCount(1, 1 << 16, "second checkpoint's layer count");
        int secondDim = in.readCount(1, 1 << 20, "second checkpoint's dimension");
        long maxBytes = in.readLong();
        long seed = in.readLong();
        if ((long) firstLayers * firstDim > Integer.MAX_VALUE - 16 || (long) secondLayers * secondDim > Integer.MAX_VALUE - 16) {
            throw new IOException("probe sample shape " + firstLayers + "×" + firstDim + " / " + secondLayers + "×"
                    + secondDim + " is too large");
        }
        int firstLength = firstLayers * firstDim;
        int secondLength = secondLayers * secondDim;
        ProbeTrainingSet.SplitState train = readSplit(in, firstLength, secondLength);
        ProbeTrainingSet.SplitState test = readSplit(in, firstLength, secondLength);
        return new ProbeTrainingSet.State(firstLayers, firstDim, secondLayers, secondDim, maxBytes, seed, train, test);
    }

    private static void writeSplit(SnapshotBinary.Out out, ProbeTrainingSet.SplitState split) throws IOException {
        ProbeTrainingSet.SplitView v = split.view();
        out.writeInt(v.n());
        out.writeLong(v.seen());
        out.writeLong(v.duplicates());
        out.writeInt(v.capacity());
        for (int i = 0; i < v.n(); i++) {
            out.writeInt(split.heap()[i]);
        }
        for (int i = 0; i < v.n(); i++) {
            out.writeString(v.ids()[i]);
            out.writeInt(v.labels()[i]);
            out.writeFloats(v.pooledFirst()[i]);
            out.writeFloats(v.pooledSecond()[i]);
        }
    }

    private static ProbeTrainingSet.SplitState readSplit(SnapshotBinary.In in, int firstLength, int secondLength)
            throws IOException {
        int n = in.readCount(0, Integer.MAX_VALUE, "split size");
        long seen = in.readLong();
        long duplicates = in.readLong();
        int capacity = in.readCount(n, Integer.MAX_VALUE, "split capacity");
        int[] heap = new int[n];
        for (int i = 0; i < n; i++) {
            heap[i] = in.readCount(0, n - 1L, "heap slot");
        }
        String[] ids = new String[n];
        int[] labels = new int[n];
        float[][] first = new float[n][];
        float[][] second = new float[n][];
        for (int i = 0; i < n; i++) {
            ids[i] = in.readString();
            labels[i] = in.readCount(0, 1, "label");
            first[i] = in.readFloats(firstLength);
            second[i] = in.readFloats(secondLength);
        }
        return new ProbeTrainingSet.SplitState(new ProbeTrainingSet.SplitView(n, ids, labels, first, second, seen,
                duplicates, capacity), heap);
    }

    private static void writeSolution(SnapshotBinary.Out out, LogisticProbe.Solution s) throws IOException {
        out.writeInt(s.dim());
        out.writeDoubles(s.weights(), s.dim());
        out.writeDoubles(s.mean(), s.dim());
        out.writeDoubles(s.scale(), s.dim());
        out.writeDouble(s.intercept());
        out.writeInt(s.iterations());
        out.writeInt(s.hessianProducts());
        out.writeDouble(s.gradientNorm());
        out.writeBoolean(s.converged());
    }

    private static LogisticProbe.Solution readSolution(SnapshotBinary.In in) throws IOException {
        int d = in.readCount(0, 1 << 24, "probe dimension");
        double[] w = in.readDoubles(d);
        double[] mean = in.readDoubles(d);
        double[] scale = in.readDoubles(d);
        return new LogisticProbe.Solution(w, in.readDouble(), mean, scale, in.readInt(), in.readInt(),
                in.readDouble(), in.readBoolean());
    }

    private static void writeReport(SnapshotBinary.Out out, ProbeReport r) throws IOException {
        out.writeInt(r.trainCount());
        out.writeInt(r.trainPositives());
        out.writeInt(r.testCount());
        out.writeLong(r.trainSeen());
        out.writeLong(r.testSeen());
        out.writeBoolean(r.fitted());
        out.writeLong(r.elapsedNanos());
        for (Side side : Side.values()) {
            List<ProbeReport.LayerResult> perLayer = r.sides().get(side);
            out.writeInt(perLayer.size());
            for (ProbeReport.LayerResult l : perLayer) {
                out.writeInt(l.layer());
                out.writeDouble(l.accuracy() == null ? Double.NaN : l.accuracy());
                out.writeInt(l.trainCount());
                out.writeInt(l.testCount());
                out.writeInt(l.iterations());
                out.writeDouble(l.gradientNorm());
                out.writeInt(l.converged() == null ? -1 : l.converged() ? 1 : 0);
            }
        }
        out.writeInt(r.paired().size());
        for (ProbeReport.PairedCounts c : r.paired()) {
            out.writeInt(c.bothRight());
            out.writeInt(c.onlyFirstRight());
            out.writeInt(c.onlySecondRight());
            out.writeInt(c.neitherRight());
        }
    }

    private static ProbeReport readReport(SnapshotBinary.In in) throws IOException {
        int trainCount = in.readInt();
        int trainPositives = in.readInt();
        int testCount = in.readInt();
        long trainSeen = in.readLong();
        long testSeen = in.readLong();
        boolean fitted = in.readBoolean();
        long elapsed = in.readLong();
        Map<Side, List<ProbeReport.LayerResult>> sides = new EnumMap<>(Side.class);
        for (Side side : Side.values()) {
            int layers = in.readCount(0, 1 << 16, "probe report layer count");
            List<ProbeReport.LayerResult> perLayer = new ArrayList<>(layers);
            for (int l = 0; l < layers; l++) {
                int layer = in.readInt();
                double accuracy = in.readDouble();
                int train = in.readInt();
                int test = in.readInt();
                int iterations = in.readInt();
                double gradientNorm = in.readDouble();
                int converged = in.readCount(-1, 1, "probe convergence flag");
                perLayer.add(new ProbeReport.LayerResult(side, layer, Double.isNaN(accuracy) ? null : accuracy, train,
                        test, iterations, gradientNorm, converged < 0 ? null : converged == 1));
            }
            sides.put(side, List.copyOf(perLayer));
        }
        int pairedLayers = in.readCount(0, 1 << 16, "paired probe layer count");
        List<ProbeReport.PairedCounts> paired = new ArrayList<>(pairedLayers);
        for (int l = 0; l < pairedLayers; l++) {
            paired.add(new ProbeReport.PairedCounts(in.readCount(0, Integer.MAX_VALUE, "paired count"),
                    in.readCount(0, Integer.MAX_VALUE, "paired count"), in.readCount(0, Integer.MAX_VALUE, "paired count"),
                    in.readCount(0, Integer.MAX_VALUE, "paired count")));
        }
        return new ProbeReport(sides, trainCount, trainPositives, testCount, trainSeen, testSeen, fitted, elapsed,
                paired);
    }
}
