package dev.ckastream.cka.stats;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A bounded, order-independent sample of the reviews' pooled vectors, plus the running mean of all of them:
 * what {@link DiagonalCkaIntervals} needs to estimate the sampling spread of CKA.
 *
 * <p><b>Which reviews.</b> The {@code capacity} reviews with the smallest 64-bit hash of their id
 * ({@link #reviewHash}, ties broken by the id). That set depends only on which reviews were seen, not on
 * their order, so a replay or a restart keeps the same sample; hashing makes it a uniform random sample of
 * the reviews for any id scheme (a bottom-k sketch). After n reviews a new one enters with probability
 * capacity/n, so the sample changes less and less often.
 *
 * <p><b>Mean.</b> Every offered review adds to a float64 sum of {@code pooled − shift}, the shift being the
 * first review's vector (exact for float32 inputs; it keeps the sum at the scale of the spread, not of the
 * mean). Offer every review the co-moments see, so that both describe the same reviews.
 *
 * <p>Memory: {@code capacity·D} floats plus O(D) doubles, D = layersFirst·dimFirst + layersSecond·dimSecond
 * (22 MB at capacity 512 and 7×768 on each side). Not thread-safe.
 */
public final class RetainedReviews {

    private final int layersFirst, dimFirst, layersSecond, dimSecond;
    private final int dim;
    private final int capacity;

    private long reviews;
    private float[] shift;              // null until the first review
    private final double[] shiftedSum;  // Σ (z − shift) over every review
    private final float[] pooled;       // slot s at [s·dim, (s+1)·dim), first checkpoint's layers then second's
    private final long[] hashes;
    private final String[] ids;
    private final long[] slotVersions;  // bumped whenever a slot gets a new review
    private int size;
    private int largestSlot = -1;       // slot of the largest (hash, id) once full; −1 = to be found

    public RetainedReviews(int layersFirst, int dimFirst, int layersSecond, int dimSecond, int capacity) {
        if (layersFirst < 1 || dimFirst < 1 || layersSecond < 1 || dimSecond < 1) {
            throw new IllegalArgumentException("layers and dims must be ≥ 1");
        }
        if (capacity < 4) {
            throw new IllegalArgumentException("the retained sample needs capacity ≥ 4, got " + capacity);
        }
        long d = (long) layersFirst * dimFirst + (long) layersSecond * dimSecond;
        if (d * capacity > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("capacity × dimensions too large for one array");
        }
        this.layersFirst = layersFirst;
        this.dimFirst = dimFirst;
        this.layersSecond = layersSecond;
        this.dimSecond = dimSecond;
        this.dim = (int) d;
        this.capacity = capacity;
        this.shiftedSum = new double[dim];
        this.pooled = new float[dim * capacity];
        this.hashes = new long[capacity];
        this.ids = new String[capacity];
        this.slotVersions = new long[capacity];
    }

    /**
     * Counts one review into the mean and keeps its vectors if its hash is among the smallest
     * {@code capacity}. {@code pooledFirst} is layersFirst×dimFirst layer-major, {@code pooledSecond} likewise.
     * A review id already in the sample is counted but not stored twice.
     */
    public void offer(String reviewId, float[] pooledFirst, float[] pooledSecond) {
        int offSecond = layersFirst * dimFirst;
        if (pooledFirst.length != offSecond || pooledSecond.length != dim - offSecond) {
            throw new IllegalArgumentException("expected " + layersFirst + "×" + dimFirst + " and " + layersSecond
                    + "×" + dimSecond + " floats, got " + pooledFirst.length + " and " + pooledSecond.length);
        }
        if (shift == null) {
            shift = new float[dim];
            System.arraycopy(pooledFirst, 0, shift, 0, offSecond);
            System.arraycopy(pooledSecond, 0, shift, offSecond, dim - offSecond);
        }
        for (int k = 0; k < offSecond; k++) {
            shiftedSum[k] += (double) pooledFirst[k] - shift[k];
        }
        for (int k = offSecond; k < dim; k++) {
            shiftedSum[k] += (double) pooledSecond[k - offSecond] - shift[k];
        }
        reviews++;
        long hash = reviewHash(reviewId);
        int slot;
        if (size < capacity) {
            if (indexOf(hash, reviewId) >= 0) {
                return;
            }
            slot = size++;
        } else {
            if (largestSlot < 0) {
                largestSlot = largest();
            }
            slot = largestSlot;
            if (!before(hash, reviewId, hashes[slot], ids[slot]) || indexOf(hash, reviewId) >= 0) {
                return;
            }
            largestSlot = -1;
        }
        hashes[slot] = hash;
        ids[slot] = reviewId;
        System.arraycopy(pooledFirst, 0, pooled, slot * dim, offSecond);
        System.arraycopy(pooledSecond, 0, pooled, slot * dim + offSecond, dim - offSecond);
        slotVersions[slot]++;
    }

    private static boolean before(long hash, String id, long otherHash, String otherId) {
        int c = Long.compareUnsigned(hash, otherHash);
        return c < 0 || (c == 0 && id.compareTo(otherId) < 0);
    }

    private int largest() {
        int arg = 0;
        for (int s = 1; s < size; s++) {
            if (before(hashes[arg], ids[arg], hashes[s], ids[s])) {
                arg = s;
            }
        }
        return arg;
    }

    private int indexOf(long hash, String id) {
        for (int s = 0; s < size; s++) {
            if (hashes[s] == hash && ids[s].equals(id)) {
                return s;
            }
        }
        return -1;
    }

    /**
     * 64-bit hash of a review id, stable across JVMs and versions: FNV-1a over the UTF-8 bytes, then the
     * MurmurHash3 fmix64 finaliser (FNV alone mixes the last bytes poorly, and ids often differ only there).
     */
    public static long reviewHash(String reviewId) {
        long h = 0xcbf29ce484222325L;
        for (byte b : reviewId.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    // ------------------------------------------------------------------ reading (package: the interval math)

    /** Offset of layer a in z (layers of the first checkpoint, then of the second). */
    int layerOffset(int a) {
        return a < layersFirst ? a * dimFirst : layersFirst * dimFirst + (a - layersFirst) * dimSecond;
    }

    int layerDim(int a) {
        return a < layersFirst ? dimFirst : dimSecond;
    }

    /** Σ_k (z_k − shift_k)·w[k − off] over the layer at {@code off} of the review in slot s. */
    double dotShifted(int slot, int off, int len, double[] w) {
        int base = slot * dim + off;
        double acc = 0;
        for (int k = 0; k < len; k++) {
            acc += ((double) pooled[base + k] - shift[off + k]) * w[k];
        }
        return acc;
    }

    /** Copies the shifted layer at {@code off} of the review in slot s into {@code out[at, at + len)}. */
    void copyShifted(int slot, int off, int len, double[] out, int at) {
        int base = slot * dim + off;
        for (int k = 0; k < len; k++) {
            out[at + k] = (double) pooled[base + k] - shift[off + k];
        }
    }

    double shiftedMean(int k) {
        return shiftedSum[k] / reviews;
    }

    long slotVersion(int slot) {
        return slotVersions[slot];
    }

    // ------------------------------------------------------------------ accessors and state

    /** Reviews offered so far (all of them, retained or not). */
    public long reviews() {
        return reviews;
    }

    /** Reviews retained, {@code min(reviews, capacity)} for distinct ids. */
    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    public int layersFirst() {
        return layersFirst;
    }

    public int dimFirst() {
        return dimFirst;
    }

    public int layersSecond() {
        return layersSecond;
    }

    public int dimSecond() {
        return dimSecond;
    }

    /**
     * The whole state as plain values (copies): enough to continue exactly as if never stopped.
     *
     * @param shift      the first review's vectors (length D), {@code null} before any review
     * @param shiftedSum Σ (z − shift) over all reviews (length D)
     * @param ids        retained review ids, slot order
     * @param pooled     retained vectors, slot-major, {@code ids.length × D}, first checkpoint's layers first
     */
    public record State(int layersFirst, int dimFirst, int layersSecond, int dimSecond, int capacity,
                        long reviews, float[] shift, double[] shiftedSum, String[] ids, float[] pooled) {
    }

    public State state() {
        return new State(layersFirst, dimFirst, layersSecond, dimSecond, capacity, reviews,
                shift == null ? null : shift.clone(), shiftedSum.clone(), Arrays.copyOf(ids, size),
                Arrays.copyOf(pooled, size * dim));
    }

    /** Rebuilds a sample from {@link #state()}; throws IllegalArgumentException on inconsistent values. */
    public static RetainedReviews restore(State state) {
        RetainedReviews r = new RetainedReviews(state.layersFirst(), state.dimFirst(), state.layersSecond(),
                state.dimSecond(), state.capacity());
        int n = state.ids().length;
        if (state.reviews() < n || n > r.capacity || state.shiftedSum().length != r.dim
                || state.pooled().length != n * r.dim || (state.reviews() > 0) != (state.shift() != null)
                || (state.shift() != null && state.shift().length != r.dim)) {
            throw new IllegalArgumentException("inconsistent retained-review state");
        }
        r.reviews = state.reviews();
        r.shift = state.shift() == null ? null : state.shift().clone();
        System.arraycopy(state.shiftedSum(), 0, r.shiftedSum, 0, r.dim);
        System.arraycopy(state.pooled(), 0, r.pooled, 0, n * r.dim);
        for (int s = 0; s < n; s++) {
            r.ids[s] = state.ids()[s];
            r.hashes[s] = reviewHash(state.ids()[s]);
            r.slotVersions[s] = 1;
        }
        r.size = n;
        return r;
    }
}
