package dev.ckastream.cka.math;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * Streaming float64 co-moments that give linear CKA, plain and debiased, exactly, between every layer of
 * checkpoint A and every layer of checkpoint B.
 *
 * <h2>What is accumulated</h2>
 * Each review contributes one pooled vector per layer; concatenated they form
 * {@code z = [A_0 … A_{LA−1} | B_0 … B_{LB−1}]} of length {@code D = LA·dA + LB·dB}. All sums are taken over
 * the <b>shifted</b> vector {@code z − c}, where the shift {@code c} is fixed once, before any sum is touched:
 * by default the mean of the first flushed batch, rounded to float32 (so {@code x − c} is exact in float64 for
 * float32 inputs of comparable magnitude). Both estimators are exactly invariant to a constant shift (plain
 * CKA centres; the unbiased HSIC is a U-statistic of U-centred Gram matrices, which cancel the row/column
 * terms {@code x_iᵀc + x_jᵀc + ‖c‖²} a shift adds), so the shift changes only the rounding: sums stay of the
 * order of the spread, not of the mean, which is what keeps outlier dimensions (mean 1e3, spread 1e−1) exact.
 * <ul>
 *   <li>{@code n}, {@code s = Σ z} (D);</li>
 *   <li>{@code C_ij = Σ a_i b_jᵀ} for every cross pair (dA×dB each, one DGEMM per block row per batch);</li>
 *   <li>{@code S_a = Σ z_a z_aᵀ} for every layer of A and B (DSYRK, upper triangle only);</li>
 *   <li>per layer a: {@code ν_a = ‖z_a‖²} per review gives {@code q_a = Σ ν_a}, {@code P_ab = Σ ν_a ν_b}
 *       (all layer pairs) and {@code U[:, a] = Σ ν_a z} (D × (LA+LB), one small DGEMM per batch).</li>
 * </ul>
 * Memory is O(LA·LB·dA·dB + LA·dA² + LB·dB²), independent of n (7×768 vs 7×768: ≈ 300 MB of doubles, and
 * the same again for a snapshot); cost per review is constant (batched GEMM).
 *
 * <p>Drift: the shift is never moved. If the activation means later wander many standard deviations away
 * from the first batch's mean, precision degrades gradually towards the unshifted case (the debiased
 * estimator is the sensitive one: with zero shift at mean 1e3 / spread 1e−1 it loses ~11 digits, see
 * {@code CrossLayerCoMomentsTest#withoutTheShiftOutlierDimensionsLoseAccuracy}). Re-basing the shift exactly
 * is possible (all sums transform polynomially) but not implemented.
 *
 * <p>Scoring reads every accumulator once (≈ 40 ms at 7×768 on this machine's 2 cores, memory-bound), so
 * score every ≥ 100 reviews or on a timer rather than after every small batch.
 *
 * <h2>Estimators</h2>
 * Plain: {@code CKA = ‖M_xy‖²_F / (‖M_xx‖_F ‖M_yy‖_F)} with the centred co-moment {@code M_xy = C − s_x s_yᵀ/n},
 * evaluated entrywise (no expansion, so no cancellation even if the data drift away from the shift).
 * Debiased: {@code HSIC₁ = [tr(K̃L̃) + 1ᵀK̃1·1ᵀL̃1/((n−1)(n−2)) − 2/(n−2)·1ᵀK̃L̃1] / (n(n−3))} with
 * {@code tr(K̃L̃) = ‖C‖²−P}, {@code 1ᵀK̃1 = ‖s_x‖²−q_x}, {@code 1ᵀK̃L̃1 = s_xᵀCs_y − u·s_y − w·s_x + P},
 * {@code u = Σ ν_x y = U[y-rows, x]}, {@code w = Σ ν_y x = U[x-rows, y]}. See {@link CkaScores} for NaN rules.
 *
 * <p>Not thread-safe: one thread feeds and scores (the service's consumer thread).
 */
public final class CrossLayerCoMoments {

    private static final int MAGIC = 0x434B4153; // "CKAS"
    private static final int FORMAT_VERSION = 1;

    private final int la, da, lb, db;
    private final int dim;      // D = la*da + lb*db
    private final int nl;       // la + lb
    private final int offB;     // la*da: first B feature in z
    private final int cap;
    private final GemmEngine gemm;

    /** Pending batch, column-major D × cap: review r at [r*D, (r+1)*D). Raw until flush shifts it in place. */
    private final double[] buf;
    /** Scratch, column-major cap × nl: ν_a of review r at [r + cap*a]. */
    private final double[] norms;
    private int pending;

    private boolean shiftSet;
    private final double[] shift;
    private long n;
    private final double[] sum;
    private final double[] q;
    private final double[] p;       // nl × nl, full symmetric
    private final double[] u;       // column-major D × nl
    private final double[][] cross; // [i] column-major da × (lb*db); block (i,j) is contiguous da×db at j*da*db
    private final double[][] selfA; // [i] da × da, upper triangle valid
    private final double[][] selfB; // [j] db × db, upper triangle valid

    public CrossLayerCoMoments(int layersA, int dimA, int layersB, int dimB, GemmEngine gemm, int batchCapacity) {
        if (layersA < 1 || dimA < 1 || layersB < 1 || dimB < 1 || batchCapacity < 1) {
            throw new IllegalArgumentException("layers, dims and batchCapacity must be ≥ 1");
        }
        long d = (long) layersA * dimA + (long) layersB * dimB;
        long crossRow = (long) dimA * layersB * dimB;
        if (d * (batchCapacity + 1L) > Integer.MAX_VALUE - 16 || crossRow > Integer.MAX_VALUE - 16
                || d * (layersA + layersB) > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("shapes too large for Java arrays");
        }
        this.la = layersA;
        this.da = dimA;
        this.lb = layersB;
        this.db = dimB;
        this.dim = (int) d;
        this.nl = layersA + layersB;
        this.offB = layersA * dimA;
        this.cap = batchCapacity;
        this.gemm = java.util.Objects.requireNonNull(gemm, "gemm");
        // + dim slack: dev.ludovic.netlib's argument checks require a full leading dimension after the last
        // column of a sub-matrix (off + ld·cols ≤ length), which the last layer's view would otherwise miss.
        this.buf = new double[dim * (cap + 1)];
        this.norms = new double[cap * nl];
        this.shift = new double[dim];
        this.sum = new double[dim];
        this.q = new double[nl];
        this.p = new double[nl * nl];
        this.u = new double[dim * nl];
        this.cross = new double[la][(int) crossRow];
        this.selfA = new double[la][da * da];
        this.selfB = new double[lb][db * db];
    }

    // ------------------------------------------------------------------ feeding

    /** Adds one review: {@code pooledA} is layersA×dimA layer-major, {@code pooledB} layersB×dimB. */
    public void add(float[] pooledA, float[] pooledB) {
        checkLengths(pooledA.length, pooledB.length);
        int base = pending * dim;
        for (int k = 0; k < offB; k++) {
            buf[base + k] = pooledA[k];
        }
        base += offB;
        for (int k = 0, len = dim - offB; k < len; k++) {
            buf[base + k] = pooledB[k];
        }
        if (++pending == cap) {
            flush();
        }
    }

    /** Same as {@link #add(float[], float[])} for float64 inputs (tests, offline replays). */
    public void add(double[] pooledA, double[] pooledB) {
        checkLengths(pooledA.length, pooledB.length);
        int base = pending * dim;
        System.arraycopy(pooledA, 0, buf, base, offB);
        System.arraycopy(pooledB, 0, buf, base + offB, dim - offB);
        if (++pending == cap) {
            flush();
        }
    }

    private void checkLengths(int lenA, int lenB) {
        if (lenA != offB || lenB != dim - offB) {
            throw new IllegalArgumentException("expected " + la + "×" + da + " and " + lb + "×" + db
                    + " floats, got " + lenA + " and " + lenB);
        }
    }

    /**
     * Fixes the shift explicitly (instead of the first batch's mean). Only allowed before the first flush.
     * Any shift gives the same scores up to rounding; a shift far from the data mean costs precision.
     */
    public void fixShift(double[] shiftA, double[] shiftB) {
        if (shiftSet) {
            throw new IllegalStateException("shift already fixed");
        }
        checkLengths(shiftA.length, shiftB.length);
        System.arraycopy(shiftA, 0, shift, 0, offB);
        System.arraycopy(shiftB, 0, shift, offB, dim - offB);
        shiftSet = true;
    }

    /** Folds the buffered reviews into the accumulators (one GEMM per block row). No-op when empty. */
    public void flush() {
        final int m = pending;
        if (m == 0) {
            return;
        }
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
                norms[r + cap * a] = nu;
                q[a] += nu;
            }
            for (int a = 0; a < nl; a++) {
                double na = norms[r + cap * a];
                for (int b = 0; b < nl; b++) {
                    p[a * nl + b] += na * norms[r + cap * b];
                }
            }
        }
        // cross blocks: row i  (da × lb*db) += A_i[da × m] · B_all[lb*db × m]ᵀ
        for (int i = 0; i < la; i++) {
            gemm.dgemm(false, true, da, lb * db, m, 1.0, buf, i * da, dim, buf, offB, dim, 1.0, cross[i], 0, da);
        }
        for (int i = 0; i < la; i++) {
            gemm.dsyrkUpper(da, m, 1.0, buf, i * da, dim, 1.0, selfA[i], 0, da);
        }
        for (int j = 0; j < lb; j++) {
            gemm.dsyrkUpper(db, m, 1.0, buf, offB + j * db, dim, 1.0, selfB[j], 0, db);
        }
        // U (D × nl) += Z (D × m) · N (m × nl)
        gemm.dgemm(false, false, dim, nl, m, 1.0, buf, 0, dim, norms, 0, cap, 1.0, u, 0, dim);
        n += m;
        pending = 0;
    }

    private int layerOffset(int a) {
        return a < la ? a * da : offB + (a - la) * db;
    }

    private int layerDim(int a) {
        return a < la ? da : db;
    }

    // ------------------------------------------------------------------ scores

    /** Flushes, then computes both CKA matrices. Cost O(LA·LB·dA·dB + LA·dA² + LB·dB²), one pass over state. */
    public CkaScores scores() {
        flush();
        double[][] cka = new double[la][lb];
        double[][] deb = new double[la][lb];
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
        double[] st = new double[3];
        for (int a = 0; a < nl; a++) {
            int off = layerOffset(a);
            int len = layerDim(a);
            double acc = 0;
            for (int k = off; k < off + len; k++) {
                acc += sum[k] * sum[k];
            }
            ss[a] = acc;
        }
        for (int a = 0; a < nl; a++) {
            double[] s = a < la ? selfA[a] : selfB[a - la];
            upperStats(s, layerDim(a), sum, layerOffset(a), invN, st);
            selfCentred[a] = st[1];
            selfHsic1[a] = hsic1(a, a, st[0], st[2], ss);
        }
        for (int i = 0; i < la; i++) {
            for (int j = 0; j < lb; j++) {
                int b = la + j;
                rectStats(cross[i], j * da * db, da, db, sum, layerOffset(i), layerOffset(b), invN, st);
                cka[i][j] = st[1] / Math.sqrt(selfCentred[i] * selfCentred[b]);
                double hxx = selfHsic1[i];
                double hyy = selfHsic1[b];
                deb[i][j] = (n < 4 || !(hxx > 0) || !(hyy > 0)) ? Double.NaN
                        : hsic1(i, b, st[0], st[2], ss) / Math.sqrt(hxx * hyy);
            }
        }
        return new CkaScores(n, cka, deb);
    }

    /**
     * HSIC₁ (unbiased estimator) between layer i of A and layer j of B, from the streaming sums; for tests
     * that check the derivation against the O(n²) Gram formula. NaN for n &lt; 4. Flushes.
     */
    double hsic1Cross(int i, int j) {
        flush();
        double[] ss = new double[nl];
        for (int a = 0; a < nl; a++) {
            for (int k = layerOffset(a), end = k + layerDim(a); k < end; k++) {
                ss[a] += sum[k] * sum[k];
            }
        }
        double[] st = new double[3];
        rectStats(cross[i], j * da * db, da, db, sum, layerOffset(i), layerOffset(la + j), 1.0 / n, st);
        return hsic1(i, la + j, st[0], st[2], ss);
    }

    /** The exact unbiased HSIC estimator (Song et al. 2012) for layers a, b (indices over A then B). */
    private double hsic1(int a, int b, double cc, double sCs, double[] ss) {
        if (n < 4) {
            return Double.NaN;
        }
        final double nn = n;
        final double pab = p[a * nl + b];
        // u·s_y = Σ ν_a y·s_b  (y = layer b) ; w·s_x = Σ ν_b x·s_a
        double uy = 0;
        int offb = layerOffset(b);
        int colA = dim * a;
        for (int k = offb, end = offb + layerDim(b); k < end; k++) {
            uy += u[colA + k] * sum[k];
        }
        double wx = 0;
        int offa = layerOffset(a);
        int colB = dim * b;
        for (int k = offa, end = offa + layerDim(a); k < end; k++) {
            wx += u[colB + k] * sum[k];
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
        double cc = 0, mm = 0, sCs = 0;
        for (int l = 0; l < cols; l++) {
            final double syl = s[syOff + l];
            final double f = syl * invN;
            final int base = off + l * rows;
            double c0 = 0, c1 = 0, m0 = 0, m1 = 0, d0 = 0, d1 = 0;
            int k = 0;
            for (; k + 1 < rows; k += 2) {
                double v0 = c[base + k];
                double v1 = c[base + k + 1];
                double x0 = s[sxOff + k];
                double x1 = s[sxOff + k + 1];
                c0 += v0 * v0;
                c1 += v1 * v1;
                double w0 = v0 - x0 * f;
                double w1 = v1 - x1 * f;
                m0 += w0 * w0;
                m1 += w1 * w1;
                d0 += x0 * v0;
                d1 += x1 * v1;
            }
            if (k < rows) {
                double v0 = c[base + k];
                double x0 = s[sxOff + k];
                c0 += v0 * v0;
                double w0 = v0 - x0 * f;
                m0 += w0 * w0;
                d0 += x0 * v0;
            }
            cc += c0 + c1;
            mm += m0 + m1;
            sCs += (d0 + d1) * syl;
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

    public int layersA() {
        return la;
    }

    public int dimA() {
        return da;
    }

    public int layersB() {
        return lb;
    }

    public int dimB() {
        return db;
    }

    public int batchCapacity() {
        return cap;
    }

    public GemmEngine gemm() {
        return gemm;
    }

    // ------------------------------------------------------------------ snapshots

    /** Exact number of bytes {@link #writeTo} writes in the current state (grows only with pending reviews). */
    public long stateSizeBytes() {
        long doubles = 2L * dim + nl + (long) nl * nl + (long) dim * nl
                + (long) la * cross[0].length + (long) la * da * da + (long) lb * db * db
                + (long) pending * dim;
        return 9 * 4 + 8 + doubles * 8 + 8;
    }

    /**
     * Writes the full state (accumulators, shift and the not-yet-flushed reviews) in a versioned big-endian
     * format followed by a CRC32. Does not flush, so a restored instance continues bit-for-bit identically.
     */
    public void writeTo(DataOutput out) throws IOException {
        Codec w = new Codec();
        ByteBuffer h = ByteBuffer.allocate(9 * 4 + 8);
        h.putInt(MAGIC).putInt(FORMAT_VERSION).putInt(la).putInt(da).putInt(lb).putInt(db).putInt(cap)
                .putInt(pending).putInt(shiftSet ? 1 : 0).putLong(n);
        w.write(out, h.array());
        w.writeDoubles(out, shift, dim);
        w.writeDoubles(out, sum, dim);
        w.writeDoubles(out, q, q.length);
        w.writeDoubles(out, p, p.length);
        w.writeDoubles(out, u, u.length);
        for (double[] row : cross) {
            w.writeDoubles(out, row, row.length);
        }
        for (double[] s : selfA) {
            w.writeDoubles(out, s, s.length);
        }
        for (double[] s : selfB) {
            w.writeDoubles(out, s, s.length);
        }
        w.writeDoubles(out, buf, pending * dim);
        out.writeLong(w.crc.getValue());
    }

    /** Reads a state written by {@link #writeTo}; throws IOException on a bad magic, version or CRC. */
    public static CrossLayerCoMoments readFrom(DataInput in, GemmEngine gemm) throws IOException {
        Codec r = new Codec();
        byte[] hb = new byte[9 * 4 + 8];
        r.read(in, hb);
        ByteBuffer h = ByteBuffer.wrap(hb);
        if (h.getInt() != MAGIC) {
            throw new IOException("not a CrossLayerCoMoments snapshot");
        }
        int version = h.getInt();
        if (version != FORMAT_VERSION) {
            throw new IOException("unsupported snapshot version " + version);
        }
        int la = h.getInt(), da = h.getInt(), lb = h.getInt(), db = h.getInt(), cap = h.getInt();
        int pending = h.getInt();
        int shiftSet = h.getInt();
        long n = h.getLong();
        if (la < 1 || da < 1 || lb < 1 || db < 1 || cap < 1 || pending < 0 || pending >= cap || n < 0
                || (shiftSet != 0 && shiftSet != 1)) {
            throw new IOException("corrupt snapshot header");
        }
        CrossLayerCoMoments c = new CrossLayerCoMoments(la, da, lb, db, gemm, cap);
        c.pending = pending;
        c.shiftSet = shiftSet == 1;
        c.n = n;
        r.readDoubles(in, c.shift, c.dim);
        r.readDoubles(in, c.sum, c.dim);
        r.readDoubles(in, c.q, c.q.length);
        r.readDoubles(in, c.p, c.p.length);
        r.readDoubles(in, c.u, c.u.length);
        for (double[] row : c.cross) {
            r.readDoubles(in, row, row.length);
        }
        for (double[] s : c.selfA) {
            r.readDoubles(in, s, s.length);
        }
        for (double[] s : c.selfB) {
            r.readDoubles(in, s, s.length);
        }
        r.readDoubles(in, c.buf, pending * c.dim);
        long crc = in.readLong();
        if (crc != r.crc.getValue()) {
            throw new IOException("snapshot CRC mismatch");
        }
        return c;
    }

    /** Chunked big-endian double (de)serialisation with a running CRC32. */
    private static final class Codec {
        private static final int CHUNK = 8192; // doubles
        final CRC32 crc = new CRC32();
        final byte[] bytes = new byte[CHUNK * 8];
        final ByteBuffer bb = ByteBuffer.wrap(bytes);

        void write(DataOutput out, byte[] b) throws IOException {
            out.write(b);
            crc.update(b);
        }

        void writeDoubles(DataOutput out, double[] a, int len) throws IOException {
            for (int off = 0; off < len; off += CHUNK) {
                int cnt = Math.min(CHUNK, len - off);
                bb.clear();
                bb.asDoubleBuffer().put(a, off, cnt);
                out.write(bytes, 0, cnt * 8);
                crc.update(bytes, 0, cnt * 8);
            }
        }

        void read(DataInput in, byte[] b) throws IOException {
            in.readFully(b);
            crc.update(b);
        }

        void readDoubles(DataInput in, double[] a, int len) throws IOException {
            for (int off = 0; off < len; off += CHUNK) {
                int cnt = Math.min(CHUNK, len - off);
                in.readFully(bytes, 0, cnt * 8);
                crc.update(bytes, 0, cnt * 8);
                bb.clear();
                bb.asDoubleBuffer().get(a, off, cnt);
            }
        }
    }
}
