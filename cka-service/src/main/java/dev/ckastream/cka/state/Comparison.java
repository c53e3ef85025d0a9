package dev.ckastream.cka.state;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.ckastream.cka.contract.PooledHalf;
import dev.ckastream.contract.ActivationRejection;
import dev.ckastream.contract.InvalidActivation;
import dev.ckastream.contract.Side;
import dev.ckastream.cka.join.CountedReviews;
import dev.ckastream.cka.join.ReviewJoin;
import dev.ckastream.cka.math.CkaScores;
import dev.ckastream.cka.math.CrossLayerCoMoments;
import dev.ckastream.cka.math.GemmEngine;
import dev.ckastream.cka.probe.LayerProbes;
import dev.ckastream.cka.probe.ProbeTrainingSet;

/**
 * Everything cka-service knows about one checkpoint pair: each side's stream signature (shape and model
 * fingerprint, fixed by its first valid record), the join, the counted review ids, the co-moment
 * accumulators, the probes' labelled vectors, counts, and the input offsets applied so far. The whole of
 * it is written to and read from a snapshot, so that a restart resumes exactly where the snapshot was
 * taken. Not thread-safe: {@link ComparisonStore} serialises access.
 */
public final class Comparison {

    private static final int MAGIC = 0x434b4153; // "CKAS"
    private static final int VERSION = 1;

    /** What happened to one offered half. */
    public record Result(ReviewJoin.Offer offer, List<ReviewJoin.Evicted> evicted) {
    }

    /** A side's stream signature. */
    public record StreamSignature(int layers, int dim, String model) {
    }

    /** Settings that shape the state (from configuration). */
    public record Settings(String first, String second, int maxPending, long maxAgeMillis, int updateBatch,
            long probeMaxBytes, double probeC) {
    }

    private final Settings settings;
    private final GemmEngine gemm;
    private final StreamSignature[] signatures = new StreamSignature[2];
    private final CountedReviews counted;
    private final ReviewJoin join;
    /** Next offset to read, per "topic:partition", for every record whose effect is in this state. */
    private final TreeMap<String, Long> appliedOffsets = new TreeMap<>();
    private CrossLayerCoMoments coMoments;
    private LayerProbes probes;
    private long labeled;
    private long deadLetters;

    public Comparison(Settings settings, GemmEngine gemm) {
        this(settings, gemm, new CountedReviews());
    }

    private Comparison(Settings settings, GemmEngine gemm, CountedReviews counted) {
        this.settings = settings;
        this.gemm = gemm;
        this.counted = counted;
        this.join = new ReviewJoin(settings.maxPending(), settings.maxAgeMillis(), counted);
    }

    /**
     * Checks a half against its stream's signature (the first valid record fixes it), then joins it; a
     * completed review is added to the accumulators and, when labelled, to the probes' data.
     */
    public Result offer(PooledHalf half, long nowMillis) throws InvalidActivation {
        checkSignature(half);
        List<ReviewJoin.Evicted> evicted = new ArrayList<>();
        ReviewJoin.Offer offer = join.offer(half, nowMillis, evicted);
        if (offer instanceof ReviewJoin.Completed done) {
            count(done.first(), done.second());
        }
        return new Result(offer, evicted);
    }

    public List<ReviewJoin.Evicted> expire(long nowMillis) {
        return join.expire(nowMillis);
    }

    /** Records that the input record at {@code offset} of {@code topic}/{@code partition} has taken effect. */
    public void applied(String topic, int partition, long offset) {
        appliedOffsets.merge(topic + ":" + partition, offset + 1, Math::max);
    }

    /** The next offset to read per partition ("topic:partition"), for records whose effect is in this state. */
    public Map<String, Long> appliedOffsets() {
        return Map.copyOf(appliedOffsets);
    }

    public void deadLettered(int records) {
        deadLetters += records;
    }

    private void checkSignature(PooledHalf half) throws InvalidActivation {
        StreamSignature known = signatures[half.side().ordinal()];
        if (known == null) {
            signatures[half.side().ordinal()] = new StreamSignature(half.layers(), half.dim(), half.model());
            return;
        }
        if (known.layers() != half.layers() || known.dim() != half.dim()) {
            throw new InvalidActivation(ActivationRejection.SHAPE_MISMATCH, "layers × dim = " + half.layers() + " × " + half.dim()
                    + " but the " + name(half.side()) + " stream so far is " + known.layers() + " × " + known.dim());
        }
        if (!known.model().equals(half.model())) {
            throw new InvalidActivation(ActivationRejection.MODEL_MISMATCH, "model fingerprint " + half.model() + " but the "
                    + name(half.side()) + " stream so far comes from " + known.model());
        }
    }

    private void count(PooledHalf first, PooledHalf second) {
        if (coMoments == null) {
            coMoments = new CrossLayerCoMoments(first.layers(), first.dim(), second.layers(), second.dim(), gemm,
                    settings.updateBatch());
            probes = new LayerProbes(new ProbeTrainingSet(first.layers(), first.dim(), second.layers(), second.dim(),
                    settings.probeMaxBytes()), settings.probeC(), LayerProbes.DEFAULT_MIN_TRAIN_PER_CLASS,
                    LayerProbes.DEFAULT_MIN_TEST);
        }
        coMoments.add(first.pooled(), second.pooled());
        Integer label = first.label() != null ? first.label() : second.label();
        if (label != null) {
            labeled++;
            probes.add(first.reviewId(), label, first.pooled(), second.pooled());
        }
    }

    /** Scores over every review counted so far (flushes buffered reviews into the accumulators). */
    public CkaScores scores() {
        return coMoments == null ? null : coMoments.scores();
    }

    public long reviews() {
        return coMoments == null ? 0 : coMoments.reviews();
    }

    public long labeled() {
        return labeled;
    }

    public long deadLetters() {
        return deadLetters;
    }

    public int pending() {
        return join.pending();
    }

    /** The probes (null until the first review is counted); safe to retrain from another thread. */
    public LayerProbes probes() {
        return probes;
    }

    public String first() {
        return settings.first();
    }

    public String second() {
        return settings.second();
    }

    public String name(Side side) {
        return side == Side.FIRST ? settings.first() : settings.second();
    }

    public StreamSignature signature(int side) {
        return signatures[side];
    }

    // ------------------------------------------------------------------ snapshots

    /** Writes the whole state (versioned, big-endian); the snapshot file adds its own checksum. */
    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        writeString(out, settings.first());
        writeString(out, settings.second());
        for (StreamSignature s : signatures) {
            out.writeBoolean(s != null);
            if (s != null) {
                out.writeInt(s.layers());
                out.writeInt(s.dim());
                writeString(out, s.model());
            }
        }
        out.writeLong(labeled);
        out.writeLong(deadLetters);
        out.writeInt(appliedOffsets.size());
        for (Map.Entry<String, Long> e : appliedOffsets.entrySet()) {
            writeString(out, e.getKey());
            out.writeLong(e.getValue());
        }
        counted.writeTo(out);
        List<Map.Entry<PooledHalf, Long>> waiting = join.waiting();
        out.writeInt(waiting.size());
        for (Map.Entry<PooledHalf, Long> w : waiting) {
            writeHalf(out, w.getKey());
            out.writeLong(w.getValue());
        }
        out.writeBoolean(coMoments != null);
        if (coMoments != null) {
            coMoments.writeTo(out);
            probes.writeTo(out);
        }
    }

    /**
     * Reads a state written by {@link #writeTo}. The checkpoint names must match the configuration (a
     * snapshot of another pair is refused); limits such as the join bounds come from the current settings.
     */
    public static Comparison readFrom(DataInput in, Settings settings, GemmEngine gemm) throws IOException {
        if (in.readInt() != MAGIC) {
            throw new IOException("not a cka-service state snapshot");
        }
        int version = in.readInt();
        if (version != VERSION) {
            throw new IOException("unsupported state snapshot version " + version);
        }
        String first = readString(in);
        String second = readString(in);
        if (!first.equals(settings.first()) || !second.equals(settings.second())) {
            throw new IOException("the snapshot compares " + first + " with " + second + ", not " + settings.first()
                    + " with " + settings.second() + " as configured");
        }
        StreamSignature[] signatures = new StreamSignature[2];
        for (int side = 0; side < 2; side++) {
            if (in.readBoolean()) {
                signatures[side] = new StreamSignature(in.readInt(), in.readInt(), readString(in));
            }
        }
        long labeled = in.readLong();
        long deadLetters = in.readLong();
        TreeMap<String, Long> offsets = new TreeMap<>();
        int partitions = in.readInt();
        for (int i = 0; i < partitions; i++) {
            offsets.put(readString(in), in.readLong());
        }
        Comparison c = new Comparison(settings, gemm, CountedReviews.readFrom(in));
        c.signatures[0] = signatures[0];
        c.signatures[1] = signatures[1];
        c.labeled = labeled;
        c.deadLetters = deadLetters;
        c.appliedOffsets.putAll(offsets);
        int waiting = in.readInt();
        for (int i = 0; i < waiting; i++) {
            PooledHalf half = readHalf(in);
            c.join.restore(half, in.readLong());
        }
        if (in.readBoolean()) {
            c.coMoments = CrossLayerCoMoments.readFrom(in, gemm);
            c.probes = LayerProbes.readFrom(in);
        }
        return c;
    }

    private static void writeHalf(DataOutput out, PooledHalf h) throws IOException {
        writeString(out, h.reviewId());
        out.writeInt(h.side().ordinal());
        out.writeInt(h.layers());
        out.writeInt(h.dim());
        out.writeInt(h.tokens());
        out.writeInt(h.label() == null ? -1 : h.label());
        writeString(out, h.model());
        for (float v : h.pooled()) {
            out.writeFloat(v);
        }
    }

    private static PooledHalf readHalf(DataInput in) throws IOException {
        String id = readString(in);
        int sideIndex = in.readInt();
        if (sideIndex < 0 || sideIndex >= Side.values().length) {
            throw new IOException("a waiting half of review " + id + " has side " + sideIndex + ", not 0 or 1");
        }
        Side side = Side.values()[sideIndex];
        int layers = in.readInt();
        int dim = in.readInt();
        int tokens = in.readInt();
        int label = in.readInt();
        String model = readString(in);
        float[] pooled = new float[layers * dim];
        for (int i = 0; i < pooled.length; i++) {
            pooled[i] = in.readFloat();
        }
        return new PooledHalf(id, side, layers, dim, tokens, label < 0 ? null : label, model, pooled);
    }

    private static void writeString(DataOutput out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInput in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > 16 << 20) {
            throw new IOException("bad string length " + length);
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
