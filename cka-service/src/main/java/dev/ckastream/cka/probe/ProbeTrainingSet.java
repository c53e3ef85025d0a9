package dev.ckastream.cka.probe;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import dev.ckastream.contract.Side;

/**
 * The labelled pooled vectors of both checkpoints, kept in memory as float32 for the probes, split into
 * train and test by {@link ProbeSplit}.
 *
 * <h2>Memory bound</h2>
 * {@code maxBytes} bounds the pooled-vector payload of <em>both</em> splits together:
 * {@code bytesPerReview = 4 · (firstLayers·firstDim + secondLayers·secondDim)} and at most
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

    private final int firstLayers;
    private final int firstDim;
    private final int secondLayers;
    private final int secondDim;
    private final long maxBytes;
    private final long seed;
    private final Reservoir train;
    private final Reservoir test;

    public ProbeTrainingSet(int firstLayers, int firstDim, int secondLayers, int secondDim, long maxBytes) {
        this(firstLayers, firstDim, secondLayers, secondDim, maxBytes, DEFAULT_SEED);
    }

    public ProbeTrainingSet(int firstLayers, int firstDim, int secondLayers, int secondDim, long maxBytes, long seed) {
        if (firstLayers <= 0 || firstDim <= 0 || secondLayers <= 0 || secondDim <= 0) {
            throw new IllegalArgumentException("shapes must be positive");
        }
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0");
        }
        this.firstLayers = firstLayers;
        this.firstDim = firstDim;
        this.secondLayers = secondLayers;
        this.secondDim = secondDim;
        this.maxBytes = maxBytes;
        this.seed = seed;
        long total = maxBytes / bytesPerReview(firstLayers, firstDim, secondLayers, secondDim);
        long testCap = total / 5;
        long trainCap = total - testCap;
        if (trainCap > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxBytes too large for in-memory arrays");
        }
        this.train = new Reservoir((int) trainCap);
        this.test = new Reservoir((int) testCap);
    }

    /** Payload bytes of one review: 4 · (firstLayers·firstDim + secondLayers·secondDim). */
    public static long bytesPerReview(int firstLayers, int firstDim, int secondLayers, int secondDim) {
        return 4L * ((long) firstLayers * firstDim + (long) secondLayers * secondDim);
    }

    /** Layer count of one checkpoint. */
    public int layers(Side side) {
        return side == Side.FIRST ? firstLayers : secondLayers;
    }

    /** Dimension of one checkpoint's pooled vectors. */
    public int dim(Side side) {
        return side == Side.FIRST ? firstDim : secondDim;
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
     * @param pooledFirst layer-major pooled vectors of the first checkpoint, length firstLayers·firstDim
     * @param pooledSecond same for the second checkpoint, length secondLayers·secondDim
     */
    public synchronized boolean add(String reviewId, int label, float[] pooledFirst, float[] pooledSecond) {
        if (label != 0 && label != 1) {
            throw new IllegalArgumentException("label must be 0 or 1: " + label);
        }
        if (pooledFirst.length != firstLayers * firstDim || pooledSecond.length != secondLayers * secondDim) {
            throw new IllegalArgumentException("pooled vector lengths " + pooledFirst.length + "/" + pooledSecond.length
                    + " do not match " + firstLayers + "x" + firstDim + "/" + secondLayers + "x" + secondDim);
        }
        Reservoir r = ProbeSplit.isTestReview(reviewId) ? test : train;
        return r.offer(reviewId, priority(reviewId), label, pooledFirst, pooledSecond);
    }

    /** A consistent, immutable view of one split; arrays have length {@code n}, indexed by slot. */
    public record SplitView(int n, String[] ids, int[] labels, float[][] pooledFirst, float[][] pooledSecond, long seen,
            long duplicates, int capacity) {

        /** One checkpoint's rows. */
        public float[][] pooled(Side side) {
            return side == Side.FIRST ? pooledFirst : pooledSecond;
        }

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

    // ------------------------------------------------------------------ state as plain values

    /**
     * One split's sample: {@code view} (slot order) and the max-heap over its slots ({@code heap[k]} = slot),
     * which makes the next replacement identical after a restore.
     */
    public record SplitState(SplitView view, int[] heap) {
    }

    /** Settings and both splits' samples: enough to continue exactly. */
    public record State(int firstLayers, int firstDim, int secondLayers, int secondDim, long maxBytes, long seed,
            SplitState train, SplitState test) {
    }

    /** The state, taken consistently (the rows are shared, never written after insertion). */
    public synchronized State state() {
        return new State(firstLayers, firstDim, secondLayers, secondDim, maxBytes, seed,
                new SplitState(train.view(), Arrays.copyOf(train.heap, train.size)),
                new SplitState(test.view(), Arrays.copyOf(test.heap, test.size)));
    }

    /**
     * Rebuilds a training set from {@link #state()}'s values, exactly (same slots, same heap).
     *
     * @throws IllegalArgumentException when the values do not fit the shape or the capacity
     */
    public static ProbeTrainingSet of(State s) {
        ProbeTrainingSet set = new ProbeTrainingSet(s.firstLayers(), s.firstDim(), s.secondLayers(), s.secondDim(),
                s.maxBytes(), s.seed());
        set.train.restore(s.train(), set);
        set.test.restore(s.test(), set);
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
        final float[][] first;
        final float[][] second;
        final long[] prio;
        final int[] heap;
        final Map<String, Integer> slotOf = new HashMap<>();

        Reservoir(int capacity) {
            this.capacity = capacity;
            this.ids = new String[capacity];
            this.labels = new int[capacity];
            this.first = new float[capacity][];
            this.second = new float[capacity][];
            this.prio = new long[capacity];
            this.heap = new int[capacity];
        }

        /** Total order of (priority, id); true when slot x ranks after (larger than) slot y. */
        private boolean greater(long px, String ix, long py, String iy) {
            return px != py ? px > py : ix.compareTo(iy) > 0;
        }

        boolean offer(String id, long p, int label, float[] pooledFirst, float[] pooledSecond) {
            if (slotOf.containsKey(id)) {
                duplicates++;
                return false;
            }
            seen++;
            if (size < capacity) {
                int slot = size++;
                store(slot, id, p, label, pooledFirst, pooledSecond);
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
            store(top, id, p, label, pooledFirst, pooledSecond);
            siftDown(0);
            return true;
        }

        private void store(int slot, String id, long p, int label, float[] pooledFirst, float[] pooledSecond) {
            ids[slot] = id;
            prio[slot] = p;
            labels[slot] = label;
            first[slot] = pooledFirst.clone();
            second[slot] = pooledSecond.clone();
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
            return new SplitView(size, Arrays.copyOf(ids, size), Arrays.copyOf(labels, size), Arrays.copyOf(first, size),
                    Arrays.copyOf(second, size), seen, duplicates, capacity);
        }

        void restore(SplitState state, ProbeTrainingSet set) {
            SplitView v = state.view();
            int n = v.n();
            if (n < 0 || n > capacity || state.heap().length != n) {
                throw new IllegalArgumentException("split of " + n + " reviews (heap " + state.heap().length
                        + ") does not fit capacity " + capacity);
            }
            seen = v.seen();
            duplicates = v.duplicates();
            for (int i = 0; i < n; i++) {
                int slot = state.heap()[i];
                if (slot < 0 || slot >= n) {
                    throw new IllegalArgumentException("heap slot " + slot + " outside 0.." + (n - 1));
                }
                heap[i] = slot;
                if (v.pooledFirst()[i].length != set.firstLayers * set.firstDim
                        || v.pooledSecond()[i].length != set.secondLayers * set.secondDim
                        || (v.labels()[i] != 0 && v.labels()[i] != 1)) {
                    throw new IllegalArgumentException("review " + v.ids()[i] + " does not fit the shape or has label "
                            + v.labels()[i]);
                }
                ids[i] = v.ids()[i];
                labels[i] = v.labels()[i];
                first[i] = v.pooledFirst()[i];
                second[i] = v.pooledSecond()[i];
                prio[i] = priority(set.seed, ids[i]);
                slotOf.put(ids[i], i);
            }
            size = n;
        }
    }
}
