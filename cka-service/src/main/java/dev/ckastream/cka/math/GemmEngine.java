package dev.ckastream.cka.math;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import dev.ludovic.netlib.blas.NativeBLAS;

import java.util.Objects;

/**
 * Float64 GEMM/SYRK engine over dev.ludovic.netlib BLAS.
 *
 * <p>All matrices are <b>column-major</b> (Fortran / BLAS convention): element (r, c) of a matrix stored
 * at {@code off} with leading dimension {@code ld} is {@code a[off + r + c * ld]}.
 *
 * <p>{@link #best()} returns what {@link BLAS#getInstance()} picks: the native JNIBLAS (which dlopens
 * {@code libblas.so.3}, OpenBLAS on Debian with libopenblas0-pthread) when it loads, else VectorBLAS (only
 * with {@code --add-modules jdk.incubator.vector}), else the pure-Java Java11BLAS. The choice can be forced
 * with the library's own system properties:
 * <ul>
 *   <li>{@code -Ddev.ludovic.netlib.blas.allowNative=false}: skip native, use the Java fallback;</li>
 *   <li>{@code -Ddev.ludovic.netlib.blas.nativeLib=libopenblas.so.0} (default {@code libblas.so.3}) or
 *       {@code -Ddev.ludovic.netlib.blas.nativeLibPath=/abs/path.so}: which native library is dlopen'ed.</li>
 * </ul>
 * Note: dev.ludovic.netlib checks {@code off + ld·cols ≤ array.length} for every operand (a whole leading
 * dimension after the last column), stricter than BLAS itself; callers viewing sub-matrices must pad.
 * Thread-safety: the engine is stateless; the BLAS instances are thread-safe.
 */
public final class GemmEngine {

    private static final System.Logger LOG = System.getLogger(GemmEngine.class.getName());

    private final BLAS blas;

    private GemmEngine(BLAS blas) {
        this.blas = Objects.requireNonNull(blas, "blas");
    }

    /** The best implementation available (native OpenBLAS here), logged once per call at INFO. */
    public static GemmEngine best() {
        GemmEngine e = new GemmEngine(BLAS.getInstance());
        LOG.log(System.Logger.Level.INFO, "CKA GEMM engine: {0}", e.implementation());
        return e;
    }

    /** The pure-JVM fallback (VectorBLAS if the incubator module is present, else Java11BLAS). */
    public static GemmEngine javaFallback() {
        return new GemmEngine(JavaBLAS.getInstance());
    }

    /** Wraps a specific BLAS instance. */
    public static GemmEngine of(BLAS blas) {
        return new GemmEngine(blas);
    }

    public BLAS blas() {
        return blas;
    }

    public boolean isNative() {
        return blas instanceof NativeBLAS;
    }

    /** e.g. {@code "JNIBLAS (native, libblas.so.3)"} or {@code "Java11BLAS (pure Java)"}. */
    public String implementation() {
        String name = blas.getClass().getSimpleName();
        if (isNative()) {
            String path = System.getProperty("dev.ludovic.netlib.blas.nativeLibPath");
            String lib = path != null ? path : System.getProperty("dev.ludovic.netlib.blas.nativeLib", "libblas.so.3");
            return name + " (native, " + lib + ")";
        }
        return name + " (pure Java)";
    }

    /**
     * Column-major {@code C[m×n] = alpha·op(A)·op(B) + beta·C}, op(A) is m×k, op(B) is k×n.
     */
    public void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                      double[] a, int offA, int lda, double[] b, int offB, int ldb,
                      double beta, double[] c, int offC, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        blas.dgemm(transA ? "T" : "N", transB ? "T" : "N", m, n, k, alpha, a, offA, lda, b, offB, ldb,
                beta, c, offC, ldc);
    }

    /**
     * Column-major {@code C[n×n] = alpha·A·Aᵀ + beta·C} with A n×k; only the <b>upper</b> triangle of C
     * (row ≤ column) is referenced and updated, the strict lower triangle is left untouched.
     */
    public void dsyrkUpper(int n, int k, double alpha, double[] a, int offA, int lda,
                           double beta, double[] c, int offC, int ldc) {
        if (n == 0) {
            return;
        }
        blas.dsyrk("U", "N", n, k, alpha, a, offA, lda, beta, c, offC, ldc);
    }

    @Override
    public String toString() {
        return "GemmEngine[" + implementation() + "]";
    }
}
