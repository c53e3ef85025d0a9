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
import dev.ckastream.cka.math.CrossLayerCoMoments;
import dev.ckastream.cka.state.Comparison;
import dev.ckastream.cka.stats.RetainedReviews;
import dev.ckastream.contract.Side;

/**
 * The payload of a state snapshot file: the one magic and format version, then every pair's
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
    /** The format this build writes and reads: every pair's live sections, then every pair's probes and sample. */
    public static final int VERSION = 3;
    /** The format of one pair's state (before several pairs), still read. */
    static final int SINGLE_PAIR_VERSION = 2;

    private StateCodec() {
    }

    public static void write(DataOutput raw, Comparison.State s) throws IOException {
        write(raw, List.of(s), () -> { });
    }

    public static void write(DataOutput raw, Comparison.State s, Runnable liveSectionsWritten) throws IOException {
        write(raw, List.of(s), liveSectionsWritten);
    }

    /**
     * Writes every pair's state, calling {@code liveSectionsWritten} as soon as every section that reads live state
     * is written: each pair's sections up to and including its co-moments, whose arrays the next fold changes in
     * place. What follows (each pair's probe rows and retained sample, in the same order) is immutable once
     * {@link Comparison#state()} has captured it, so the owner of the state may let it change again from then on.
     */
    public static void write(DataOutput raw, List<Comparison.State> pairs, Runnable liveSectionsWritten)
            throws IOException {
        SnapshotBinary.Out out = new SnapshotBinary.Out(raw);
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeInt(pairs.size());
        for (Comparison.State s : pairs) {
            writeLive(out, s);
        }
        liveSectionsWritten.run();
        for (Comparison.State s : pairs) {
            if (s.coMoments() != null) {
                ProbesCodec.write(out, s.probes());
                writeRetained(out, s.retained());
            }
        }
    }

    private static void writeLive(SnapshotBinary.Out out, Comparison.State s) throws IOException {
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
     * Reads the one pair's state of a snapshot (as {@link #readPairs}).
     *
     * @throws IOException also when the snapshot holds several pairs
     */
    public static Comparison.State read(DataInput raw) throws IOException {
        List<Comparison.State> pairs = readPairs(raw);
        if (pairs.size() != 1) {
            throw new IOException("the snapshot holds " + pairs.size() + " pairs, not one");
        }
        return pairs.get(0);
    }

    /**
     * Reads what {@link #write} wrote: every pair's state, in the order written. Format 2 (one pair, its sections
     * in one run) is read as a list of one.
     *
     * @throws SnapshotFiles.Unsupported for an intact snapshot of another format version
     * @throws IOException               when the bytes are not a state snapshot
     */
    public static List<Comparison.State> readPairs(DataInput raw) throws IOException {
        SnapshotBinary.In in = new SnapshotBinary.In(raw);
        int magic = in.readInt();
        if (magic != MAGIC) {
            throw new IOException(String.format("not a cka-service state snapshot (magic 0x%08x)", magic));
        }
        int version = in.readInt();
        if (version == SINGLE_PAIR_VERSION) {
            Live live = readLive(in);
            return List.of(live.state(in));
        }
        if (version != VERSION) {
            throw new SnapshotFiles.Unsupported("written in state format " + version + (version < VERSION
                    ? " by an earlier cka-service" : " by a later cka-service") + "; this one reads formats "
                    + SINGLE_PAIR_VERSION + " and " + VERSION + " only");
        }
        int count = in.readCount(1, 1 << 16, "pair count");
        List<Live> live = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            live.add(readLive(in));
        }
        List<Comparison.State> pairs = new ArrayList<>(count);
        for (Live l : live) {
            pairs.add(l.state(in));
        }
        return pairs;
    }

    /** A pair's sections up to its co-moments; {@link #state} reads the rest (probes, retained sample). */
    private record Live(String first, String second, Map<Side, Comparison.StreamSignature> signatures, long labeled,
            long deadLetters, Map<String, Long> offsets, long[] counted, List<Comparison.Waiting> waiting,
            CrossLayerCoMoments.State coMoments) {

        Comparison.State state(SnapshotBinary.In in) throws IOException {
            boolean counting = coMoments != null;
            return new Comparison.State(first, second, signatures, labeled, deadLetters, offsets, counted, waiting,
                    coMoments, counting ? ProbesCodec.read(in) : null, counting ? readRetained(in) : null);
        }
    }

    private static Live readLive(SnapshotBinary.In in) throws IOException {
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
        return new Live(first, second, signatures, labeled, deadLetters, offsets, counted, waiting,
                counting ? CoMomentsCodec.read(in) : null);
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
