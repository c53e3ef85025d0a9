package dev.ckastream.cka.snapshot;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

import dev.ckastream.cka.math.CrossLayerCoMoments;

/**
 * The co-moment accumulators' section of a snapshot: the shape, the counts, then every array as raw doubles
 * in {@link CrossLayerCoMoments.State}'s layout, and the buffered (not yet folded) reviews, so that a
 * restored instance continues bit for bit.
 */
public final class CoMomentsCodec {

    private CoMomentsCodec() {
    }

    /** Writes the section alone (tests, benchmarks); snapshots write it inside {@link StateCodec}. */
    public static void write(DataOutput out, CrossLayerCoMoments.State s) throws IOException {
        write(new SnapshotBinary.Out(out), s);
    }

    /** Reads a section written by {@link #write(DataOutput, CrossLayerCoMoments.State)}. */
    public static CrossLayerCoMoments.State read(DataInput in) throws IOException {
        return read(new SnapshotBinary.In(in));
    }

    static void write(SnapshotBinary.Out out, CrossLayerCoMoments.State s) throws IOException {
        out.writeInt(s.firstLayers());
        out.writeInt(s.firstDim());
        out.writeInt(s.secondLayers());
        out.writeInt(s.secondDim());
        out.writeInt(s.batchCapacity());
        out.writeInt(s.pending());
        out.writeBoolean(s.shiftFixed());
        out.writeLong(s.folded());
        int dim = s.shift().length;
        out.writeDoubles(s.shift(), dim);
        out.writeDoubles(s.sum(), dim);
        out.writeDoubles(s.squaredNorms(), s.squaredNorms().length);
        out.writeDoubles(s.squaredNormProducts(), s.squaredNormProducts().length);
        out.writeDoubles(s.normWeightedSums(), s.normWeightedSums().length);
        for (double[][] blocks : new double[][][] {s.cross(), s.selfFirst(), s.selfSecond()}) {
            for (double[] block : blocks) {
                out.writeDoubles(block, block.length);
            }
        }
        out.writeDoubles(s.pendingRows(), s.pending() * dim);
    }

    /** Bytes {@link #write} writes for {@code s}. */
    public static long size(CrossLayerCoMoments.State s) {
        long doubles = 2L * s.shift().length + s.squaredNorms().length + s.squaredNormProducts().length
                + s.normWeightedSums().length + (long) s.pending() * s.shift().length;
        for (double[][] blocks : new double[][][] {s.cross(), s.selfFirst(), s.selfSecond()}) {
            for (double[] block : blocks) {
                doubles += block.length;
            }
        }
        return 6 * Integer.BYTES + 1 + Long.BYTES + doubles * Double.BYTES;
    }

    static CrossLayerCoMoments.State read(SnapshotBinary.In in) throws IOException {
        int firstLayers = in.readCount(1, 1 << 16, "first checkpoint's layer count");
        int firstDim = in.readCount(1, 1 << 20, "first checkpoint's dimension");
        int secondLayers = in.readCount(1, 1 << 16, "second checkpoint's layer count");
        int secondDim = in.readCount(1, 1 << 20, "second checkpoint's dimension");
        int cap = in.readCount(1, 1 << 20, "batch capacity");
        int pending = in.readCount(0, cap - 1L, "buffered reviews");
        boolean shiftFixed = in.readBoolean();
        long folded = in.readLong();
        long d = (long) firstLayers * firstDim + (long) secondLayers * secondDim;
        long layers = firstLayers + secondLayers;
        long crossBlock = (long) firstDim * secondLayers * secondDim;
        if (d * (cap + 1L) > Integer.MAX_VALUE - 16 || d * layers > Integer.MAX_VALUE - 16
                || crossBlock > Integer.MAX_VALUE - 16 || (long) firstDim * firstDim > Integer.MAX_VALUE - 16
                || (long) secondDim * secondDim > Integer.MAX_VALUE - 16 || folded < 0) {
            throw new IOException("co-moment shape " + firstLayers + "×" + firstDim + " / " + secondLayers + "×"
                    + secondDim + " with " + folded + " reviews is not a valid state");
        }
        int dim = (int) d;
        int nl = (int) layers;
        double[] shift = in.readDoubles(dim);
        double[] sum = in.readDoubles(dim);
        double[] q = in.readDoubles(nl);
        double[] p = in.readDoubles(nl * nl);
        double[] u = in.readDoubles(dim * nl);
        double[][] cross = blocks(in, firstLayers, (int) crossBlock);
        double[][] selfFirst = blocks(in, firstLayers, firstDim * firstDim);
        double[][] selfSecond = blocks(in, secondLayers, secondDim * secondDim);
        double[] rows = in.readDoubles(pending * dim);
        return new CrossLayerCoMoments.State(firstLayers, firstDim, secondLayers, secondDim, cap, folded,
                shiftFixed, shift, sum, q, p, u, cross, selfFirst, selfSecond, pending, rows);
    }

    private static double[][] blocks(SnapshotBinary.In in, int count, int length) throws IOException {
        double[][] blocks = new double[count][];
        for (int i = 0; i < count; i++) {
            blocks[i] = in.readDoubles(length);
        }
        return blocks;
    }
}
