package dev.ckastream.cka.snapshot;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.ckastream.cka.join.PooledHalf;
import dev.ckastream.cka.state.Comparison;
import dev.ckastream.cka.stats.RetainedReviews;
import dev.ckastream.contract.Side;

/**
 * The payload of a state snapshot file: the one magic and format version, then the comparison's
 * {@link Comparison.State} section by section (the co-moments in {@link CoMomentsCodec}, the probes in
 * {@link ProbesCodec}). Big-endian; the file's single checksum is {@link SnapshotFiles}' CRC32C trailer.
 *
 * <p>Version 1 (before the state was separated from the math) is refused with
 * {@link SnapshotFiles.Unsupported}: its sections carried their own magics and an inner CRC32, and reading
 * it would mean keeping a second decoder alive for one upgrade.
 */
public final class StateCodec {

    /** "CKAS". */
    public static final int MAGIC = 0x434b4153;
    /** The format this build writes and reads. */
    public static final int VERSION = 2;

    private StateCodec() {
    }

    public static void write(DataOutput raw, Comparison.State s) throws IOException {
        write(raw, s, () -> { });
    }

    /**
     * Writes {@code s}, calling {@code liveSectionsWritten} as soon as every section that reads live state is
     * written: everything up to and including the co-moments, whose arrays the next fold changes in place.
     * What follows (the probes' rows and the retained sample) is immutable once {@link Comparison#state()}
     * has captured it, so the owner of the state may let it change again from then on.
     */
    public static void write(DataOutput raw, Comparison.State s, Runnable liveSectionsWritten) throws IOException {
        SnapshotBinary.Out out = new SnapshotBinary.Out(raw);
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeString(s.first());
        out.writeString(s.second());
        for (Side side : Side.values()) {
            Comparison.StreamSignature sig = s.signatures().get(side);
            out.writeBoolean(sig != null);
            if (sig != null) {
                out.writeInt(sig.layers());
                out.writeInt(sig.dim());
                out.writeString(sig.model());
            }
        }
        out.writeLong(s.labeled());
        out.writeLong(s.deadLetters());
        out.writeInt(s.appliedOffsets().size());
        for (Map.Entry<String, Long> e : new TreeMap<>(s.appliedOffsets()).entrySet()) {
            out.writeString(e.getKey());
            out.writeLong(e.getValue());
        }
        out.writeInt(s.countedHashes().length);
        for (long h : s.countedHashes()) {
            out.writeLong(h);
        }
        out.writeInt(s.waiting().size());
        for (Comparison.Waiting w : s.waiting()) {
            writeHalf(out, w.half());
            out.writeLong(w.arrivedMillis());
        }
        out.writeBoolean(s.coMoments() != null);
        if (s.coMoments() != null) {
            CoMomentsCodec.write(out, s.coMoments());
            liveSectionsWritten.run();
            ProbesCodec.write(out, s.probes());
            writeRetained(out, s.retained());
        } else {
            liveSectionsWritten.run();
        }
    }

    private static void writeRetained(SnapshotBinary.Out out, RetainedReviews.State r) throws IOException {
        out.writeInt(r.layersFirst());
        out.writeInt(r.dimFirst());
        out.writeInt(r.layersSecond());
        out.writeInt(r.dimSecond());
        out.writeInt(r.capacity());
        out.writeLong(r.reviews());
        out.writeBoolean(r.shift() != null);
        if (r.shift() != null) {
            out.writeFloats(r.shift());
        }
        out.writeDoubles(r.shiftedSum(), r.shiftedSum().length);
        out.writeInt(r.ids().length);
        for (String id : r.ids()) {
            out.writeString(id);
        }
        out.writeFloats(r.pooled());
    }

    private static RetainedReviews.State readRetained(SnapshotBinary.In in) throws IOException {
        int layersFirst = in.readCount(1, 1 << 16, "layer count");
        int dimFirst = in.readCount(1, 1 << 20, "dimension");
        int layersSecond = in.readCount(1, 1 << 16, "layer count");
        int dimSecond = in.readCount(1, 1 << 20, "dimension");
        int capacity = in.readCount(1, 1 << 24, "interval sample capacity");
        long reviews = in.readLong();
        long width = (long) layersFirst * dimFirst + (long) layersSecond * dimSecond;
        if (width > Integer.MAX_VALUE / 4) {
            throw new IOException("retained reviews of " + width + " values each");
        }
        float[] shift = in.readBoolean() ? in.readFloats((int) width) : null;
        double[] shiftedSum = in.readDoubles((int) width);
        int size = in.readCount(0, capacity, "retained review count");
        if ((long) size * width > Integer.MAX_VALUE - 16) {
            throw new IOException(size + " retained reviews of " + width + " values");
        }
        String[] ids = new String[size];
        for (int i = 0; i < size; i++) {
            ids[i] = in.readString();
        }
        float[] pooled = in.readFloats((int) (size * width));
        return new RetainedReviews.State(layersFirst, dimFirst, layersSecond, dimSecond, capacity, reviews, shift,
                shiftedSum, ids, pooled);
    }

    /**
     * Reads what {@link #write} wrote.
     *
     * @throws SnapshotFiles.Unsupported for an intact snapshot of another format version
     * @throws IOException               when the bytes are not a state snapshot
     */
    public static Comparison.State read(DataInput raw) throws IOException {
        SnapshotBinary.In in = new SnapshotBinary.In(raw);
        int magic = in.readInt();
        if (magic != MAGIC) {
            throw new IOException(String.format("not a cka-service state snapshot (magic 0x%08x)", magic));
        }
        int version = in.readInt();
        if (version != VERSION) {
            throw new SnapshotFiles.Unsupported("written in state format " + version + (version < VERSION
                    ? " by an earlier cka-service" : " by a later cka-service") + "; this one reads format "
                    + VERSION + " only");
        }
        String first = in.readString();
        String second = in.readString();
        Map<Side, Comparison.StreamSignature> signatures = new EnumMap<>(Side.class);
        for (Side side : Side.values()) {
            if (in.readBoolean()) {
                signatures.put(side, new Comparison.StreamSignature(in.readInt(), in.readInt(), in.readString()));
            }
        }
        long labeled = in.readLong();
        long deadLetters = in.readLong();
        Map<String, Long> offsets = new TreeMap<>();
        int partitions = in.readCount(0, 1 << 20, "partition count");
        for (int i = 0; i < partitions; i++) {
            offsets.put(in.readString(), in.readLong());
        }
        long[] counted = new long[in.readCount(0, Integer.MAX_VALUE - 16, "counted-review hash words")];
        for (int i = 0; i < counted.length; i++) {
            counted[i] = in.readLong();
        }
        int waitingCount = in.readCount(0, Integer.MAX_VALUE, "waiting halves");
        List<Comparison.Waiting> waiting = new ArrayList<>(Math.min(waitingCount, 1 << 16));
        for (int i = 0; i < waitingCount; i++) {
            waiting.add(new Comparison.Waiting(readHalf(in), in.readLong()));
        }
        boolean counting = in.readBoolean();
        return new Comparison.State(first, second, signatures, labeled, deadLetters, offsets, counted, waiting,
                counting ? CoMomentsCodec.read(in) : null, counting ? ProbesCodec.read(in) : null,
                counting ? readRetained(in) : null);
    }

    private static void writeHalf(SnapshotBinary.Out out, PooledHalf h) throws IOException {
        out.writeString(h.reviewId());
        out.writeInt(h.side().ordinal());
        out.writeInt(h.layers());
        out.writeInt(h.dim());
        out.writeInt(h.tokens());
        out.writeInt(h.label() == null ? -1 : h.label());
        out.writeString(h.model());
        out.writeFloats(h.pooled());
    }

    private static PooledHalf readHalf(SnapshotBinary.In in) throws IOException {
        String id = in.readString();
        Side side = Side.values()[in.readCount(0, Side.values().length - 1, "side")];
        int layers = in.readCount(1, 1 << 16, "layer count");
        int dim = in.readCount(1, 1 << 20, "dimension");
        int tokens = in.readInt();
        int label = in.readCount(-1, 1, "label");
        String model = in.readString();
        if ((long) layers * dim > Integer.MAX_VALUE - 16) {
            throw new IOException("waiting half of " + layers + " × " + dim + " values");
        }
        float[] pooled = in.readFloats(layers * dim);
        return new PooledHalf(id, side, layers, dim, tokens, label < 0 ? null : label, model, pooled);
    }
}
