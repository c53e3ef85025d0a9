package dev.ckastream.cka.math;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import dev.ckastream.contract.Side;

/**
 * Streaming float64 co-moments that give linear CKA, plain and debiased, exactly, between every layer of
 * the {@link Side#FIRST first} checkpoint and every layer of the {@link Side#SECOND second}.
 *
 * <h2>What is accumulated</h2>
 * Each review contributes one pooled vector per layer; concatenated they form
 * {@code z = [x_0 … x_{L₁−1} | y_0 … y_{L₂−1}]} (x: the first checkpoint's layers, y: the second's) of length
 * {@code D = L₁·d₁ + L₂·d₂}. All sums are taken over
 * the <b>shifted</b> vector {@code z − c}, where the shift {@code c} is fixed once, before any sum is touched:
 * by default the mean of the first flushed batch, rounded to float32 (so {@code x − c} is exact in float64 for
 * float32 inputs of comparable magnitude). Both estimators are exactly invariant to a constant shift (plain
 * CKA centres; the unbiased HSIC is a U-statistic of U-centred Gram matrices, which cancel the row/column
 * terms {@code x_iᵀc + x_jᵀc + ‖c‖²} a shift adds), so the shift changes only the rounding: sums stay of the
 * order of the spread, not of the mean, which is what keeps outlier dimensions (mean 1e3, spread 1e−1) exact.
 * <ul>
 *   <li>{@code n}, {@code s = Σ z} (D);</li>
 *   <li>{@code C_ij = Σ x_i y_jᵀ} for every cross pair (d₁×d₂ each, one DGEMM per block row per batch);</li>
 *   <li>{@code S_a = Σ z_a z_aᵀ} for every layer of both checkpoints (DSYRK, upper triangle only);</li>
 *   <li>per layer a: {@code ν_a = ‖z_a‖²} per review gives {@code q_a = Σ ν_a}, {@code P_ab = Σ ν_a ν_b}
 *       (all layer pairs) and {@code U[:, a] = Σ ν_a z} (D × (L₁+L₂), one small DGEMM per batch).</li>
 * </ul>
 * Memory is O(L₁·L₂·d₁·d₂ + L₁·d₁² + L₂·d₂²), independent of n (7×768 vs 7×768: ≈ 300 MB of doubles, and
 * the same again for a snapshot); cost per review is constant (batched GEMM).
 *
 * <p>Drift: the shift is never moved. If the activation means later wander many standard deviations away
 * from the first batch's mean, precision degrades gradually towards the unshifted case (the debiased
 * estimator is the sensitive one: with zero shift at mean 1e3 / spread 1e−1 it loses ~11 digits, see
 * {@code CrossLayerCoMomentsTest#withoutTheShiftOutlierDimensionsLoseAccuracy}). Re-basing the shift exactly
 * is possible (all sums transform polynomially) but not implemented.
 *
 * <p>Scoring reads every accumulator once, its blocks spread over the common fork-join pool (≈ 35 ms at
 * 7×768 on the 2-core development machine, 62 ms on one core), so score every ≥ 100 reviews or on a timer
 * rather than after every small batch.
 *
 * <h2>Estimators</h2>
 * Plain: {@code CKA = ‖M_xy‖²_F / (‖M_xx‖_F ‖M_yy‖_F)} with the centred co-moment {@code M_xy = C − s_x s_yᵀ/n},
 * evaluated entrywise (no expansion, so no cancellation even if the data drift away from the shift).
 * Debiased: {@code HSIC₁ = [tr(K̃L̃) + 1ᵀK̃1·1ᵀL̃1/((n−1)(n−2)) − 2/(n−2)·1ᵀK̃L̃1] / (n(n−3))} with
 * {@code tr(K̃L̃) = ‖C‖²−P}, {@code 1ᵀK̃1 = ‖s_x‖²−q_x}, {@code 1ᵀK̃L̃1 = s_xᵀCs_y − u·s_y − w·s_x + P},
 * {@code u = Σ ν_x y = U[y-rows, x]}, {@code w = Σ ν_y x = U[x-rows, y]}. See {@link CkaScores} for NaN rules.
 *
 * <p>Not thread-safe: one thread feeds and scores (the service's consumer thread); {@link #scores()} fans
 * its read-only pass out to the common pool and returns when it is done.
 */
public final class CrossLayerCoMoments {

    /**
     * A layer is constant, and every CKA involving it undefined, when its covariance estimate is at most
     * this fraction of its squared scale: {@code ‖Σ̂‖_F ≤ ε·E‖x‖²} on the raw (unshifted) vectors, tested as
     * {@code ‖Σ̂‖²_F ≤ ε²·(E‖x‖²)²} for plain CKA ({@code ‖Σ̂‖²_F = ‖M_xx‖²_F/n²}) and for debiased CKA
     * ({@code HSIC₁(x, x)} estimates {@code ‖Σ‖²_F}). Both sides are of the order of the data to the fourth
     * power, so the test does not depend on units. Since {@code ‖Σ‖_F ≤ tr Σ ≤ E‖x‖²} the ratio lies in [0, 1];
     * a layer whose values vary by one float32 rounding step (relative 2⁻²⁴ ≈ 6e−8) in every dimension still
     * has a ratio near 1e−15/√d, far above ε, while rounding noise on a constant layer fed as float64 values
     * (not float32-representable, so its shifted values are not exactly zero) stays near 1e−23 or below.
     */
    public static final double CONSTANT_LAYER_TOLERANCE = 1e-20;

    /**
     * Side-by-side folds (an engine with several threads) cut the cross block rows into at least this many column
     * panels per thread in all, so that a thread slowed by something else leaves little work for the end.
     */
    static final int PANELS_PER_THREAD = 8;

    private final int firstLayers, firstDim, secondLayers, secondDim;
    private final int dim;      // D = firstLayers*firstDim + secondLayers*secondDim
    private final int nl;       // firstLayers + secondLayers
    private final int offSecond; // firstLayers*firstDim: the second checkpoint's first feature in z
    private final int cap;
    private final GemmEngine gemm;

    /**
     * Pending batch, column-major D × rows: review r at [r*D, (r+1)*D). Raw until flush shifts it in place.
     * {@code rows} is the batch capacity, or more once {@link #beginBacklog} has widened it.
     */
    private double[] buf;
    private int rows;
    /** Scratch, column-major rows × nl: ν_a of review r at [r + rows*a]. */
    private double[] norms;
    private int pending;
    /** Fold when this many reviews are buffered: the batch capacity, or a backlog's width. */
    private int foldAt;
    /** Folds so far and the time they took (not part of the state: for the service's meters). */
    private long folds;
    private long foldNanos;

    private boolean shiftSet;
    private final double[] shift;
    private long n;
    private final double[] sum;
    private final double[] q;
    private final double[] p;       // nl × nl, full symmetric
    private final double[] u;       // column-major D × nl
    private final double[][] cross; // [i] column-major firstDim × (secondLayers*secondDim); block (i,j) is contiguous firstDim×secondDim at j*firstDim*secondDim
    private final double[][] selfFirst; // [i] firstDim × firstDim, upper triangle valid
    private final double[][] selfSecond; // [j] secondDim × secondDim, upper triangle valid

    public CrossLayerCoMoments(int firstLayers, int firstDim, int secondLayers, int secondDim, GemmEngine gemm,
            int batchCapacity) {
        this(firstLayers, firstDim, secondLayers, secondDim, gemm, batchCapacity, null);
    }

    /** Allocates the accumulators, or adopts those of {@code s} (checked against the shape) when not null. */
    private CrossLayerCoMoments(int firstLayers, int firstDim, int secondLayers, int secondDim, GemmEngine gemm,
            int batchCapacity, State s) {
        if (firstLayers < 1 || firstDim < 1 || secondLayers < 1 || secondDim < 1 || batchCapacity < 1) {
            throw new IllegalArgumentException("layers, dims and batchCapacity must be ≥ 1");
        }
        long d = (long) firstLayers * firstDim + (long) secondLayers * secondDim;
        long crossRow = (long) firstDim * secondLayers * secondDim;
        if (d * (batchCapacity + 1L) > Integer.MAX_VALUE - 16 || crossRow > Integer.MAX_VALUE - 16
                || d * (firstLayers + secondLayers) > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("shapes too large for Java arrays");
        }
        this.firstLayers = firstLayers;
        this.firstDim = firstDim;
        this.secondLayers = secondLayers;
        this.secondDim = secondDim;
        this.dim = (int) d;
        this.nl = firstLayers + secondLayers;
        this.offSecond = firstLayers * firstDim;
        this.cap = batchCapacity;
        this.gemm = java.util.Objects.requireNonNull(gemm, "gemm");
        this.rows = cap;
        this.foldAt = cap;
        this.norms = new double[cap * nl];
        // + dim slack: dev.ludovic.netlib's argument checks require a full leading dimension after the last
        // column of a sub-matrix (off + ld·cols ≤ length), which the last layer's view would otherwise miss.
        this.buf = new double[dim * (cap + 1)];
        if (s == null) {
            this.shift = new double[dim];
            this.sum = new double[dim];
            this.q = new double[nl];
            this.p = new double[nl * nl];
            this.u = new double[dim * nl];
            this.cross = blocks(firstLayers, (int) crossRow);
            this.selfFirst = blocks(firstLayers, firstDim * firstDim);
            this.selfSecond = blocks(secondLayers, secondDim * secondDim);
            return;
        }
        this.shift = length(s.shift(), dim, "shift");
        this.sum = length(s.sum(), dim, "sum");
        this.q = length(s.squaredNorms(), nl, "squaredNorms");
        this.p = length(s.squaredNormProducts(), nl * nl, "squaredNormProducts");
        this.u = length(s.normWeightedSums(), dim * nl, "normWeightedSums");
        this.cross = blocks(s.cross(), firstLayers, (int) crossRow, "cross");
        this.selfFirst = blocks(s.selfFirst(), firstLayers, firstDim * firstDim, "selfFirst");
        this.selfSecond = blocks(s.selfSecond(), secondLayers, secondDim * secondDim, "selfSecond");
    }

    private static double[][] blocks(int count, int length) {
        return new double[count][length];
    }

    private static double[] length(double[] a, int length, String what) {
        if (a.length != length) {
            throw new IllegalArgumentException(what + " has " + a.length + " values, expected " + length);
        }
        return a;
    }

    private static double[][] blocks(double[][] a, int count, int length, String what) {
        if (a.length != count) {
            throw new IllegalArgumentException(what + " has " + a.length + " blocks, expected " + count);
        }
        for (int i = 0; i < count; i++) {
            length(a[i], length, what + "[" + i + "]");
        }
        return a;
    }

    // ------------------------------------------------------------------ feeding

    /** Adds one review: {@code first} is firstLayers×firstDim layer-major, {@code second} secondLayers×secondDim. */
    public void add(float[] first, float[] second) {
        checkLengths(first.length, second.length);
        int base = pending * dim;
        for (int k = 0; k < offSecond; k++) {
            buf[base + k] = first[k];
        }
        base += offSecond;
        for (int k = 0, len = dim - offSecond; k < len; k++) {
            buf[base + k] = second[k];
        }
        if (++pending == foldAt) {
            flush();
        }
    }

    /** Same as {@link #add(float[], float[])} for float64 inputs (tests, offline replays). */
    public void add(double[] first, double[] second) {
        checkLengths(first.length, second.length);
        int base = pending * dim;
        System.arraycopy(first, 0, buf, base, offSecond);
        System.arraycopy(second, 0, buf, base + offSecond, dim - offSecond);
        if (++pending == foldAt) {
            flush();
        }
    }

    /**
     * A backlog of up to {@code reviews} reviews is about to be added: buffer them all, with those already
     * buffered, before folding (at least the batch capacity), so that they go in as one wider GEMM per block
     * row, which BLAS runs faster per review than several batches of the capacity. Only the float64 rounding
     * of the sums depends on how reviews are grouped into batches. The buffer grows to the widest backlog
     * asked for and stays that size ({@code D} doubles per review: 44 MB for 512 reviews of 7 × 768 against
     * 7 × 768); the caller bounds {@code reviews}.
     */
    public void beginBacklog(int reviews) {
        long width = (long) pending + reviews;
        if (width <= foldAt) {
            return;
        }
        if (width > rows) {
            if (dim * (width + 1) > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("a backlog of " + reviews + " reviews is too large for a Java array");
            }
            double[] wider = new double[(int) (dim * (width + 1))];
            System.arraycopy(buf, 0, wider, 0, pending * dim);
            buf = wider;
            norms = new double[(int) width * nl];
            rows = (int) width;
        }
        foldAt = (int) width;
    }

    /**
     * Ends a {@link #beginBacklog backlog}: folds what is buffered if that is at least the batch capacity (so
     * that, as without a backlog, fewer than the capacity stay buffered), and folds at the capacity again.
     */
    public void endBacklog() {
        foldAt = cap;
        if (pending >= cap) {
            flush();
        }
    }

    private void checkLengths(int firstLength, int secondLength) {
        if (firstLength != offSecond || secondLength != dim - offSecond) {
            throw new IllegalArgumentException("expected " + firstLayers + "×" + firstDim + " and " + secondLayers + "×" + secondDim
                    + " floats, got " + firstLength + " and " + secondLength);
        }
    }

    /**
     * Fixes the shift explicitly (instead of the first batch's mean). Only allowed before the first flush.
     * Any shift gives the same scores up to rounding; a shift far from the data mean costs precision.
     */
    public void fixShift(double[] firstShift, double[] secondShift) {
        if (shiftSet) {
            throw new IllegalStateException("shift already fixed");
        }
        checkLengths(firstShift.length, secondShift.length);
        System.arraycopy(firstShift, 0, shift, 0, offSecond);
        System.arraycopy(secondShift, 0, shift, offSecond, dim - offSecond);
        shiftSet = true;
    }

    /** Folds the buffered reviews into the accumulators (one GEMM per block row). No-op when empty. */
    public void flush() {
        final int m = pending;
        if (m == 0) {
            return;
        }
        final long started = System.nanoTime();
        if (!shiftSet) {
            for (int r = 0; r < m; r++) {
                int col = r * dim;
                for (int k = 0; k < dim; k++) {
                    shift[k] += buf[col + k];
                }
            }
            for (int k = 0; k < dim; k++) {
                shift[k] = (float) (shift[k] / m);
            }
            shiftSet = true;
        }
        // shift in place, sums and per-layer squared norms
        for (int r = 0; r < m; r++) {
            int col = r * dim;
            for (int a = 0; a < nl; a++) {
                int off = layerOffset(a);
                int len = layerDim(a);
                double nu = 0;
                for (int k = off, end = off + len; k < end; k++) {
                    double v = buf[col + k] - shift[k];
                    buf[col + k] = v;
                    sum[k] += v;
                    nu += v * v;
                }
                norms[r + rows * a] = nu;
                q[a] += nu;
            }
            for (int a = 0; a < nl; a++) {
                double na = norms[r + rows * a];
                for (int b = 0; b < nl; b++) {
                    p[a * nl + b] += na * norms[r + rows * b];
                }
            }
        }
        // Every call below writes its own part of the sums, so they may run side by side (GemmEngine#runAll, which
        // returns when all are done): then the cross block rows are cut into column panels, enough for the engine's
        // threads to share evenly.
        List<Runnable> calls = new ArrayList<>();
        // cross blocks: row i  (firstDim × secondLayers*secondDim) += A_i[firstDim × m] · B_all[secondLayers*secondDim × m]ᵀ
        int columns = secondLayers * secondDim;
        int panels = gemm.threads() <= 1 ? 1
                : Math.min(columns, Math.max(secondLayers, -Math.floorDiv(-PANELS_PER_THREAD * gemm.threads(), firstLayers)));
        int width = -Math.floorDiv(-columns, panels);
        for (int i = 0; i < firstLayers; i++) {
            final int row = i;
            for (int from = 0; from < columns; from += width) {
                final int c0 = from;
                final int w = Math.min(width, columns - from);
                calls.add(() -> gemm.dgemm(false, true, firstDim, w, m, 1.0, buf, row * firstDim, dim, buf, offSecond + c0, dim,
                        1.0, cross[row], c0 * firstDim, firstDim));
            }
        }
        for (int i = 0; i < firstLayers; i++) {
            final int layer = i;
            calls.add(() -> gemm.dsyrkUpper(firstDim, m, 1.0, buf, layer * firstDim, dim, 1.0, selfFirst[layer], 0, firstDim));
        }
        for (int j = 0; j < secondLayers; j++) {
            final int layer = j;
            calls.add(() -> gemm.dsyrkUpper(secondDim, m, 1.0, buf, offSecond + layer * secondDim, dim, 1.0, selfSecond[layer], 0,
                    secondDim));
        }
        // U (D × nl) += Z (D × m) · N (m × nl)
        calls.add(() -> gemm.dgemm(false, false, dim, nl, m, 1.0, buf, 0, dim, norms, 0, rows, 1.0, u, 0, dim));
        gemm.runAll(calls);
        n += m;
        pending = 0;
        folds++;
        foldNanos += System.nanoTime() - started;
    }

    /** Folds ({@link #flush()}es of at least one review) since this instance was created. */
    public long folds() {
        return folds;
    }

    /** Time spent folding since this instance was created, in nanoseconds. */
    public long foldNanos() {
        return foldNanos;
    }

    private int layerOffset(int a) {
        return a < firstLayers ? a * firstDim : offSecond + (a - firstLayers) * secondDim;
    }

    private int layerDim(int a) {
        return a < firstLayers ? firstDim : secondDim;
    }

    // ------------------------------------------------------------------ scores

    /**
     * Both CKA matrices over the reviews folded in so far; a pure read. Buffered reviews must be folded in
     * first ({@link #flush()}), so that the scores cover every review added. Cost O(L₁·L₂·d₁·d₂ + L₁·d₁² +
     * L₂·d₂²), one pass over the state.
     *
     * @throws IllegalStateException when reviews are buffered (call {@link #flush()} first)
     */
    public CkaScores scores() {
        requireFlushed();
        double[][] cka = new double[firstLayers][secondLayers];
        double[][] deb = new double[firstLayers][secondLayers];
        if (n < 2) {
            for (double[] row : cka) {
                Arrays.fill(row, Double.NaN);
            }
            for (double[] row : deb) {
                Arrays.fill(row, Double.NaN);
            }
            return new CkaScores(n, cka, deb);
        }
        final double invN = 1.0 / n;
        double[] ss = new double[nl];
        double[] selfCentred = new double[nl];
        double[] selfHsic1 = new double[nl];
        boolean[] constant = new boolean[nl];
        boolean[] constantDebiased = new boolean[nl];
        for (int a = 0; a < nl; a++) {
            int off = layerOffset(a);
            int len = layerDim(a);
            double acc = 0;
            for (int k = off; k < off + len; k++) {
                acc += sum[k] * sum[k];
            }
            ss[a] = acc;
        }
        // One pass over every block, the blocks spread over the cores (each block's sums are its own, combined
        // in a fixed order below, so the result does not depend on the scheduling).
        final int selfBlocks = nl;
        final double[][] stats = new double[selfBlocks + firstLayers * secondLayers][3];
        IntStream.range(0, stats.length).parallel().forEach(t -> {
            if (t < selfBlocks) {
                double[] s = t < firstLayers ? selfFirst[t] : selfSecond[t - firstLayers];
                upperStats(s, layerDim(t), sum, layerOffset(t), invN, stats[t]);
            } else {
                int i = (t - selfBlocks) / secondLayers;
                int j = (t - selfBlocks) % secondLayers;
                rectStats(cross[i], j * firstDim * secondDim, firstDim, secondDim, sum, layerOffset(i),
                        layerOffset(firstLayers + j), invN, stats[t]);
            }
        });
        for (int a = 0; a < nl; a++) {
            double[] st = stats[a];
            selfCentred[a] = st[1];
            selfHsic1[a] = hsic1(a, a, st[0], st[2], ss);
            double scale = CONSTANT_LAYER_TOLERANCE * meanSquaredRawNorm(a);
            double floor = scale * scale;
            constant[a] = !(selfCentred[a] * invN * invN > floor);
            constantDebiased[a] = !(selfHsic1[a] > floor);
        }
        for (int i = 0; i < firstLayers; i++) {
            for (int j = 0; j < secondLayers; j++) {
                int b = firstLayers + j;
                double[] st = stats[selfBlocks + i * secondLayers + j];
                cka[i][j] = constant[i] || constant[b] ? Double.NaN
                        : st[1] / Math.sqrt(selfCentred[i] * selfCentred[b]);
                deb[i][j] = (n < 4 || constantDebiased[i] || constantDebiased[b]) ? Double.NaN
                        : hsic1(i, b, st[0], st[2], ss) / Math.sqrt(selfHsic1[i] * selfHsic1[b]);
            }
        }
        return new CkaScores(n, cka, deb);
    }

    /**
     * {@code E‖x‖²} of layer a on the raw vectors: {@code (q + 2·sᵀc + n‖c‖²)/n}, since the sums are of
     * {@code x − c}. The scale against which a layer counts as constant.
     */
    private double meanSquaredRawNorm(int a) {
        double sc = 0;
        double cc = 0;
        for (int k = layerOffset(a), end = k + layerDim(a); k < end; k++) {
            sc += sum[k] * shift[k];
            cc += shift[k] * shift[k];
        }
        return (q[a] + 2 * sc) / n + cc;
    }

    private void requireFlushed() {
        if (pending > 0) {
            throw new IllegalStateException(pending + " reviews are buffered: flush() before scoring");
        }
    }

    /**
     * HSIC₁ (unbiased estimator) between layer i of the first checkpoint and layer j of the second, from the
     * streaming sums; for tests that check the derivation against the O(n²) Gram formula. NaN for n &lt; 4.
     * Requires a flushed state, like {@link #scores()}.
     */
    double hsic1Cross(int i, int j) {
        requireFlushed();
        double[] ss = new double[nl];
        for (int a = 0; a < nl; a++) {
            for (int k = layerOffset(a), end = k + layerDim(a); k < end; k++) {
                ss[a] += sum[k] * sum[k];
            }
        }
        double[] st = new double[3];
        rectStats(cross[i], j * firstDim * secondDim, firstDim, secondDim, sum, layerOffset(i),
                layerOffset(firstLayers + j), 1.0 / n, st);
        return hsic1(i, firstLayers + j, st[0], st[2], ss);
    }

    /** The exact unbiased HSIC estimator (Song et al. 2012) for layers a, b (indices over the first checkpoint's layers, then the second's). */
    private double hsic1(int a, int b, double cc, double sCs, double[] ss) {
        if (n < 4) {
            return Double.NaN;
        }
        final double nn = n;
        final double pab = p[a * nl + b];
        // u·s_y = Σ ν_a y·s_b  (y = layer b) ; w·s_x = Σ ν_b x·s_a
        double uy = 0;
        int offb = layerOffset(b);
        int colOfA = dim * a;
        for (int k = offb, end = offb + layerDim(b); k < end; k++) {
            uy += u[colOfA + k] * sum[k];
        }
        double wx = 0;
        int offa = layerOffset(a);
        int colOfB = dim * b;
        for (int k = offa, end = offa + layerDim(a); k < end; k++) {
            wx += u[colOfB + k] * sum[k];
        }
        double trKL = cc - pab;
        double sumK = ss[a] - q[a];
        double sumL = ss[b] - q[b];
        double oneKL1 = sCs - uy - wx + pab;
        return (trKL + sumK * sumL / ((nn - 1) * (nn - 2)) - 2.0 / (nn - 2) * oneKL1) / (nn * (nn - 3));
    }

    /**
     * One pass over a contiguous column-major rows×cols block C: out = {‖C‖², ‖C − s_x s_yᵀ/n‖², s_xᵀ C s_y}.
     */
    static void rectStats(double[] c, int off, int rows, int cols, double[] s, int sxOff, int syOff,
                          double invN, double[] out) {
        // Four independent partial sums per statistic: the loop is bound by the floating-point add latency,
        // not by memory, with one.
        double cc = 0, mm = 0, sCs = 0;
        for (int l = 0; l < cols; l++) {
            final double syl = s[syOff + l];
            final double f = syl * invN;
            final int base = off + l * rows;
            double c0 = 0, c1 = 0, c2 = 0, c3 = 0, m0 = 0, m1 = 0, m2 = 0, m3 = 0, d0 = 0, d1 = 0, d2 = 0, d3 = 0;
            int k = 0;
            for (; k + 3 < rows; k += 4) {
                double v0 = c[base + k], v1 = c[base + k + 1], v2 = c[base + k + 2], v3 = c[base + k + 3];
                double x0 = s[sxOff + k], x1 = s[sxOff + k + 1], x2 = s[sxOff + k + 2], x3 = s[sxOff + k + 3];
                c0 += v0 * v0;
                c1 += v1 * v1;
                c2 += v2 * v2;
                c3 += v3 * v3;
                double w0 = v0 - x0 * f, w1 = v1 - x1 * f, w2 = v2 - x2 * f, w3 = v3 - x3 * f;
                m0 += w0 * w0;
                m1 += w1 * w1;
                m2 += w2 * w2;
                m3 += w3 * w3;
                d0 += x0 * v0;
                d1 += x1 * v1;
                d2 += x2 * v2;
                d3 += x3 * v3;
            }
            for (; k < rows; k++) {
                double v0 = c[base + k];
                double x0 = s[sxOff + k];
                c0 += v0 * v0;
                double w0 = v0 - x0 * f;
                m0 += w0 * w0;
                d0 += x0 * v0;
            }
            cc += (c0 + c1) + (c2 + c3);
            mm += (m0 + m1) + (m2 + m3);
            sCs += ((d0 + d1) + (d2 + d3)) * syl;
        }
        out[0] = cc;
        out[1] = mm;
        out[2] = sCs;
    }

    /** Same as {@link #rectStats} for a symmetric d×d block of which only the upper triangle is stored. */
    static void upperStats(double[] c, int d, double[] s, int sOff, double invN, double[] out) {
        double cc = 0, mm = 0, sCs = 0;
        for (int l = 0; l < d; l++) {
            final double sl = s[sOff + l];
            final double f = sl * invN;
            final int base = l * d;
            double c0 = 0, m0 = 0, d0 = 0;
            for (int k = 0; k < l; k++) {
                double v = c[base + k];
                double x = s[sOff + k];
                c0 += v * v;
                double w = v - x * f;
                m0 += w * w;
                d0 += x * v;
            }
            double v = c[base + l];
            double w = v - sl * f;
            cc += 2 * c0 + v * v;
            mm += 2 * m0 + w * w;
            sCs += (2 * d0 + sl * v) * sl;
        }
        out[0] = cc;
        out[1] = mm;
        out[2] = sCs;
    }

    // ------------------------------------------------------------------ accessors

    /** Reviews added so far, buffered ones included. */
    public long reviews() {
        return n + pending;
    }

    /** Reviews buffered and not yet folded into the accumulators. */
    public int pending() {
        return pending;
    }

    /** Layer count of one checkpoint. */
    public int layers(Side side) {
        return side == Side.FIRST ? firstLayers : secondLayers;
    }

    /** Dimension of one checkpoint's pooled vectors. */
    public int dim(Side side) {
        return side == Side.FIRST ? firstDim : secondDim;
    }

    public int batchCapacity() {
        return cap;
    }

    public GemmEngine gemm() {
        return gemm;
    }

    // ------------------------------------------------------------------ state as plain values

    /**
     * Every accumulator as plain arrays (layouts as in the fields above), enough to continue bit for bit.
     * The arrays are the live ones, not copies (the state is hundreds of MB): a holder reads them before the
     * next {@link #add} or {@link #flush} and never writes them. {@code pendingRows} holds the buffered,
     * not yet folded reviews, raw, {@code D} values each.
     */
    public record State(int firstLayers, int firstDim, int secondLayers, int secondDim, int batchCapacity,
            long folded, boolean shiftFixed, double[] shift, double[] sum, double[] squaredNorms,
            double[] squaredNormProducts, double[] normWeightedSums, double[][] cross, double[][] selfFirst,
            double[][] selfSecond, int pending, double[] pendingRows) {

        /**
         * The same values in arrays of its own (the buffered rows cut to the {@code pending} ones): later
         * updates of the live instance do not reach it. As large as the accumulators.
         */
        public State copy() {
            return copyInto(null);
        }

        /**
         * {@link #copy()} into the arrays of {@code spare} (an earlier copy no one reads any more) when it has this
         * state's shape, so that a snapshot every interval does not allocate (and fault in) hundreds of MB again;
         * into new arrays otherwise.
         */
        public State copyInto(State spare) {
            int dim = shift.length;
            boolean reuse = spare != null && spare != this && sameShape(spare);
            double[] rows = reuse && spare.pendingRows.length >= pending * dim ? spare.pendingRows
                    : new double[pending * dim];
            System.arraycopy(pendingRows, 0, rows, 0, pending * dim);
            return new State(firstLayers, firstDim, secondLayers, secondDim, batchCapacity, folded, shiftFixed,
                    into(shift, reuse ? spare.shift : null), into(sum, reuse ? spare.sum : null),
                    into(squaredNorms, reuse ? spare.squaredNorms : null),
                    into(squaredNormProducts, reuse ? spare.squaredNormProducts : null),
                    into(normWeightedSums, reuse ? spare.normWeightedSums : null),
                    into(cross, reuse ? spare.cross : null), into(selfFirst, reuse ? spare.selfFirst : null),
                    into(selfSecond, reuse ? spare.selfSecond : null), pending, rows);
        }

        /**
         * Arrays of this state's shapes, zeroed, to {@link #copyInto} later: allocating (and faulting in) hundreds of
         * MB is the slow part of a copy, and this reads none of the live arrays, so it needs no lock.
         */
        public State blankLike() {
            int dim = shift.length;
            return new State(firstLayers, firstDim, secondLayers, secondDim, batchCapacity, 0, false,
                    new double[dim], new double[dim], new double[squaredNorms.length],
                    new double[squaredNormProducts.length], new double[normWeightedSums.length], blank(cross),
                    blank(selfFirst), blank(selfSecond), 0, new double[batchCapacity * dim]);
        }

        private static double[][] blank(double[][] like) {
            double[][] out = new double[like.length][];
            for (int i = 0; i < like.length; i++) {
                out[i] = new double[like[i].length];
            }
            return out;
        }

        /** Whether {@code other} has this state's layers and dimensions (so that a copy fits its arrays). */
        public boolean sameShape(State other) {
            return other.firstLayers == firstLayers && other.firstDim == firstDim && other.secondLayers == secondLayers
                    && other.secondDim == secondDim;
        }

        /** Bytes of the accumulator arrays a {@link #copy()} allocates. */
        public long copyBytes() {
            long doubles = 2L * shift.length + squaredNorms.length + squaredNormProducts.length
                    + normWeightedSums.length + (long) pending * shift.length;
            for (double[][] blocks : new double[][][] {cross, selfFirst, selfSecond}) {
                for (double[] block : blocks) {
                    doubles += block.length;
                }
            }
            return doubles * Double.BYTES;
        }

        private static double[] into(double[] from, double[] to) {
            if (to == null || to.length != from.length) {
                return from.clone();
            }
            System.arraycopy(from, 0, to, 0, from.length);
            return to;
        }

        private static double[][] into(double[][] from, double[][] to) {
            double[][] out = new double[from.length][];
            for (int i = 0; i < from.length; i++) {
                out[i] = into(from[i], to == null || to.length != from.length ? null : to[i]);
            }
            return out;
        }
    }

    /**
     * The state, see {@link State} (no flush: a restored instance continues identically). Take it outside a
     * {@link #beginBacklog backlog}, when fewer than the batch capacity are buffered.
     */
    public State state() {
        return new State(firstLayers, firstDim, secondLayers, secondDim, cap, n, shiftSet, shift, sum, q, p, u,
                cross, selfFirst, selfSecond, pending, buf);
    }

    /**
     * Rebuilds accumulators from {@link #state()}'s values. The accumulator arrays are adopted, not copied
     * (the caller hands them over); the buffered rows are copied into a fresh batch buffer.
     *
     * @throws IllegalArgumentException when the values do not fit their shape
     */
    public static CrossLayerCoMoments of(State s, GemmEngine gemm) {
        CrossLayerCoMoments c = new CrossLayerCoMoments(s.firstLayers(), s.firstDim(), s.secondLayers(),
                s.secondDim(), gemm, s.batchCapacity(), s);
        if (s.folded() < 0 || s.pending() < 0 || s.pending() >= c.cap) {
            throw new IllegalArgumentException("review counts " + s.folded() + " folded, " + s.pending()
                    + " buffered do not fit a batch of " + c.cap);
        }
        if (s.pendingRows().length < s.pending() * c.dim) {
            throw new IllegalArgumentException("pendingRows has " + s.pendingRows().length + " values, expected "
                    + s.pending() * c.dim);
        }
        c.n = s.folded();
        c.shiftSet = s.shiftFixed();
        c.pending = s.pending();
        System.arraycopy(s.pendingRows(), 0, c.buf, 0, c.pending * c.dim);
        return c;
    }
}
