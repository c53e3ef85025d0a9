package dev.ckastream.cka.probe;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The labelled pooled vectors of both checkpoints, kept in memory as float32 for the probes, split into
 * train and test by {@link ProbeSplit}.
 *
 * <h2>Memory bound</h2>
 * {@code maxBytes} bounds the pooled-vector payload of <em>both</em> splits together:
 * {@code bytesPerReview = 4 · (layersA·dimA + layersB·dimB)} and at most
 * {@code maxBytes / bytesPerReview} reviews are kept, of which one fifth (rounded down) is reserved for
 * the test split and the rest for the training split (matching the ~20% test share of the CRC32 split).
 * Object headers, ids and labels (tens of bytes per review) are not counted. The default
 * {@link #DEFAULT_MAX_BYTES} = 1 GiB holds 24,966 reviews for DistilBERT's shape (2 × 7 × 768 floats =
 * 43,008 bytes): 19,973 training + 4,993 test.
 *
 * <h2>Policy beyond the bound: deterministic bottom-k (reservoir) sampling per split</h2>
 * Each review gets a 64-bit priority {@code hash(seed, reviewId)} (FNV-1a of the UTF-8 id, mixed with the
 * seed by SplitMix64's finaliser, ties broken by the id). Each split keeps the {@code capacity} reviews
 * of smallest priority among all distinct ids it has seen: a uniform random sample without replacement of
 * the labelled reviews seen, which depends only on the seed and the <em>set</em> of ids, not on their
 * arrival order (so replays and restarts reproduce it). Below capacity everything is kept.
 *
 * <h2>Duplicates</h2>
 * A review id already kept is ignored (first occurrence wins, counted in {@code duplicates}). A repeat
 * of an id that was evicted earlier is dropped anyway (its priority is above the current threshold, which
 * only decreases), but it is counted as seen because it can no longer be recognised.
 *
 * <h2>Concurrency</h2>
 * {@link #add} and {@link #snapshot} are synchronised. Stored rows are never written after insertion
 * (a replacement puts a new array in the slot), so a {@link Snapshot} (copies of the slot references
 * and labels, O(kept)) is a consistent, immutable view that a background retrain can use while adds
 * continue. Rows evicted while a snapshot is in use stay reachable until it is dropped, so memory can
 * exceed the bound by the rows replaced during one retrain.
 */
public final class ProbeTrainingSet {

    /** Default payload bound: 1 GiB. */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    /** Default sampling seed. */
    public static final long DEFAULT_SEED = 0x9E3779B97F4A7C15L;

    private static final int MAGIC = 0x50524253; // "PRBS"
    private static final int VERSION = 1;

    private final int layersA;
    private final int dimA;
    private final int layersB;
    private final int dimB;
    private final long maxBytes;
    private final long seed;
    private final Reservoir train;
    private final Reservoir test;

    public ProbeTrainingSet(int layersA, int dimA, int layersB, int dimB, long maxBytes) {
        this(layersA, dimA, layersB, dimB, maxBytes, DEFAULT_SEED);
    }

    public ProbeTrainingSet(int layersA, int dimA, int layersB, int dimB, long maxBytes, long seed) {
        if (layersA <= 0 || dimA <= 0 || layersB <= 0 || dimB <= 0) {
            throw new IllegalArgumentException("shapes must be positive");
        }
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0");
        }
        this.layersA = layersA;
        this.dimA = dimA;
        this.layersB = layersB;
        this.dimB = dimB;
        this.maxBytes = maxBytes;
        this.seed = seed;
        long total = maxBytes / bytesPerReview(layersA, dimA, layersB, dimB);
        long testCap = total / 5;
        long trainCap = total - testCap;
        if (trainCap > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxBytes too large for in-memory arrays");
        }
        this.train = new Reservoir((int) trainCap);
        this.test = new Reservoir((int) testCap);
    }

    /** Payload bytes of one review: 4 · (layersA·dimA + layersB·dimB). */
    public static long bytesPerReview(int layersA, int dimA, int layersB, int dimB) {
        return 4L * ((long) layersA * dimA + (long) layersB * dimB);
    }

    public int layersA() {
        return layersA;
    }

    public int dimA() {
        return dimA;
    }

    public int layersB() {
        return layersB;
    }

    public int dimB() {
        return dimB;
    }

    public long maxBytes() {
        return maxBytes;
    }

    public long seed() {
        return seed;
    }

    /** Capacity in reviews of the test ({@code true}) or training split. */
    public int capacity(boolean testSplit) {
        return (testSplit ? test : train).capacity;
    }

    /** The sampling priority of a review id under this set's seed (smaller is kept first). */
    public long priority(String reviewId) {
        return priority(seed, reviewId);
    }

    static long priority(long seed, String reviewId) {
        long h = 0xcbf29ce484222325L;
        for (byte b : reviewId.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return mix(h ^ mix(seed));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /**
     * Adds a labelled review (the vectors are copied). Returns true when it is kept (now part of the
     * sample), false when it was sampled out or is a duplicate of a kept id.
     *
     * @param pooledA layer-major pooled vectors of checkpoint A, length layersA·dimA
     * @param pooledB same for checkpoint B, length layersB·dimB
     */
    public synchronized boolean add(String reviewId, int label, float[] pooledA, float[] pooledB) {
        if (label != 0 && label != 1) {
            throw new IllegalArgumentException("label must be 0 or 1: " + label);
        }
        if (pooledA.length != layersA * dimA || pooledB.length != layersB * dimB) {
            throw new IllegalArgumentException("pooled vector lengths " + pooledA.length + "/" + pooledB.length
                    + " do not match " + layersA + "x" + dimA + "/" + layersB + "x" + dimB);
        }
        Reservoir r = ProbeSplit.isTestReview(reviewId) ? test : train;
        return r.offer(reviewId, priority(reviewId), label, pooledA, pooledB);
    }

    /** A consistent, immutable view of one split; arrays have length {@code n}, indexed by slot. */
    public record SplitView(int n, String[] ids, int[] labels, float[][] pooledA, float[][] pooledB, long seen,
            long duplicates, int capacity) {

        public int positives() {
            int p = 0;
            for (int i = 0; i < n; i++) {
                p += labels[i];
            }
            return p;
        }
    }

    /** Consistent views of both splits taken at one instant. */
    public record Snapshot(SplitView train, SplitView test) {
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(train.view(), test.view());
    }

    /** Number of reviews currently kept in a split. */
    public synchronized int kept(boolean testSplit) {
        return (testSplit ? test : train).size;
    }

    /** Number of (non-duplicate) reviews offered to a split so far. */
    public synchronized long seen(boolean testSplit) {
        return (testSplit ? test : train).seen;
    }

    // ------------------------------------------------------------------ snapshots (crash safety)

    /** Writes the whole state (config, counters, sample in slot and heap order) exactly. */
    public void writeTo(DataOutput out) throws IOException {
        // Write from an immutable snapshot so adds are not blocked during I/O.
        Snapshot s;
        int[] trainHeap;
        int[] testHeap;
        synchronized (this) {
            s = snapshot();
            trainHeap = Arrays.copyOf(train.heap, train.size);
            testHeap = Arrays.copyOf(test.heap, test.size);
        }
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeInt(layersA);
        out.writeInt(dimA);
        out.writeInt(layersB);
        out.writeInt(dimB);
        out.writeLong(maxBytes);
        out.writeLong(seed);
        writeSplit(out, s.train(), trainHeap);
        writeSplit(out, s.test(), testHeap);
    }

    private static void writeSplit(DataOutput out, SplitView v, int[] heap) throws IOException {
        out.writeInt(v.n());
        out.writeLong(v.seen());
        out.writeLong(v.duplicates());
        for (int i = 0; i < v.n(); i++) {
            out.writeInt(heap[i]);
        }
        for (int i = 0; i < v.n(); i++) {
            byte[] id = v.ids()[i].getBytes(StandardCharsets.UTF_8);
            out.writeInt(id.length);
            out.write(id);
            out.writeByte(v.labels()[i]);
            writeFloats(out, v.pooledA()[i]);
            writeFloats(out, v.pooledB()[i]);
        }
    }

    private static void writeFloats(DataOutput out, float[] x) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(4 * x.length).order(ByteOrder.BIG_ENDIAN);
        bb.asFloatBuffer().put(x);
        out.write(bb.array());
    }

    private static float[] readFloats(DataInput in, int len) throws IOException {
        byte[] b = new byte[4 * len];
        in.readFully(b);
        float[] x = new float[len];
        ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN).asFloatBuffer().get(x);
        return x;
    }

    public static ProbeTrainingSet readFrom(DataInput in) throws IOException {
        if (in.readInt() != MAGIC) {
            throw new IOException("not a probe training set");
        }
        int version = in.readInt();
        if (version != VERSION) {
            throw new IOException("unsupported probe training set version " + version);
        }
        ProbeTrainingSet set = new ProbeTrainingSet(in.readInt(), in.readInt(), in.readInt(), in.readInt(),
                in.readLong(), in.readLong());
        set.train.read(in, set);
        set.test.read(in, set);
        return set;
    }

    // ------------------------------------------------------------------ one split's reservoir

    /** Bottom-k sample by priority with a max-heap over slots (root = largest kept priority). */
    private static final class Reservoir {
        final int capacity;
        int size;
        long seen;
        long duplicates;
        final String[] ids;
        final int[] labels;
        final float[][] a;
        final float[][] b;
        final long[] prio;
        final int[] heap;
        final Map<String, Integer> slotOf = new HashMap<>();

        Reservoir(int capacity) {
            this.capacity = capacity;
            this.ids = new String[capacity];
            this.labels = new int[capacity];
            this.a = new float[capacity][];
            this.b = new float[capacity][];
            this.prio = new long[capacity];
            this.heap = new int[capacity];
        }

        /** Total order of (priority, id); true when slot x ranks after (larger than) slot y. */
        private boolean greater(long px, String ix, long py, String iy) {
            return px != py ? px > py : ix.compareTo(iy) > 0;
        }

        boolean offer(String id, long p, int label, float[] pa, float[] pb) {
            if (slotOf.containsKey(id)) {
                duplicates++;
                return false;
            }
            seen++;
            if (size < capacity) {
                int slot = size++;
                store(slot, id, p, label, pa, pb);
                heap[slot] = slot;
                siftUp(slot);
                return true;
            }
            if (capacity == 0) {
                return false;
            }
            int top = heap[0];
            if (!greater(prio[top], ids[top], p, id)) {
                return false;
            }
            slotOf.remove(ids[top]);
            store(top, id, p, label, pa, pb);
            siftDown(0);
            return true;
        }

        private void store(int slot, String id, long p, int label, float[] pa, float[] pb) {
            ids[slot] = id;
            prio[slot] = p;
            labels[slot] = label;
            a[slot] = pa.clone();
            b[slot] = pb.clone();
            slotOf.put(id, slot);
        }

        private boolean heapGreater(int hx, int hy) {
            int sx = heap[hx];
            int sy = heap[hy];
            return greater(prio[sx], ids[sx], prio[sy], ids[sy]);
        }

        private void swap(int x, int y) {
            int t = heap[x];
            heap[x] = heap[y];
            heap[y] = t;
        }

        private void siftUp(int k) {
            while (k > 0) {
                int parent = (k - 1) / 2;
                if (!heapGreater(k, parent)) {
                    return;
                }
                swap(k, parent);
                k = parent;
            }
        }

        private void siftDown(int k) {
            while (true) {
                int l = 2 * k + 1;
                if (l >= size) {
                    return;
                }
                int big = l;
                if (l + 1 < size && heapGreater(l + 1, l)) {
                    big = l + 1;
                }
                if (!heapGreater(big, k)) {
                    return;
                }
                swap(k, big);
                k = big;
            }
        }

        SplitView view() {
            return new SplitView(size, Arrays.copyOf(ids, size), Arrays.copyOf(labels, size), Arrays.copyOf(a, size),
                    Arrays.copyOf(b, size), seen, duplicates, capacity);
        }

        void read(DataInput in, ProbeTrainingSet set) throws IOException {
            int n = in.readInt();
            if (n < 0 || n > capacity) {
                throw new IOException("split size " + n + " exceeds capacity " + capacity);
            }
            seen = in.readLong();
            duplicates = in.readLong();
            for (int i = 0; i < n; i++) {
                heap[i] = in.readInt();
            }
            for (int i = 0; i < n; i++) {
                int len = in.readInt();
                if (len < 0 || len > (1 << 20)) {
                    throw new IOException("bad id length " + len);
                }
                byte[] idb = new byte[len];
                in.readFully(idb);
                String id = new String(idb, StandardCharsets.UTF_8);
                ids[i] = id;
                labels[i] = in.readByte();
                a[i] = readFloats(in, set.layersA * set.dimA);
                b[i] = readFloats(in, set.layersB * set.dimB);
                prio[i] = priority(set.seed, id);
                slotOf.put(id, i);
            }
            size = n;
        }
    }
}
