package dev.ckastream.cka.math;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import dev.ludovic.netlib.blas.NativeBLAS;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;

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
 *
 * <h2>Side-by-side calls</h2>
 * {@link #best(int)} with more than one thread runs the independent calls a caller hands to {@link #runAll}
 * on that many threads of its own, each call single-threaded, instead of one call after the other with
 * OpenBLAS's own threads. OpenBLAS splits each call evenly between its threads, so the call lasts as long as
 * its slowest thread: when anything else takes part of a core (the service's Kafka fetcher, the JIT, a broker
 * on the same machine), every call waits for it. Many single-threaded calls instead go to whichever thread is
 * free. It needs {@code openblas_set_num_threads(1)} (called through JNA on the library netlib loaded; this is
 * process-wide, so every later OpenBLAS call in the JVM is single-threaded) or a pure-Java BLAS (single-threaded
 * anyway); with any other native BLAS the engine keeps that library's own threading and runs the calls in turn.
 * Thread-safety: the engine is stateless apart from its pool; the BLAS instances are thread-safe.
 */
public final class GemmEngine {

    private static final System.Logger LOG = System.getLogger(GemmEngine.class.getName());

    private final BLAS blas;
    /** Runs {@link #runAll}'s calls side by side; null: they run in turn on the caller's thread. */
    private final ExecutorService pool;
    private final int threads;

    private GemmEngine(BLAS blas) {
        this(blas, 1);
    }

    private GemmEngine(BLAS blas, int threads) {
        this.blas = Objects.requireNonNull(blas, "blas");
        this.threads = threads;
        if (threads > 1) {
            AtomicInteger named = new AtomicInteger();
            this.pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "cka-gemm-" + named.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        } else {
            this.pool = null;
        }
    }

    /** The best implementation available (native OpenBLAS here) with its own threading, logged at INFO. */
    public static GemmEngine best() {
        GemmEngine e = new GemmEngine(BLAS.getInstance());
        LOG.log(System.Logger.Level.INFO, "CKA GEMM engine: {0}", e.implementation());
        return e;
    }

    /**
     * The best implementation, running {@link #runAll}'s calls on {@code threads} threads side by side, each
     * call single-threaded (see the class comment); {@code threads ≤ 1}, or a native BLAS other than OpenBLAS,
     * gives {@link #best()}. Sets OpenBLAS to one thread for the whole process.
     */
    public static GemmEngine best(int threads) {
        BLAS blas = BLAS.getInstance();
        if (threads <= 1) {
            return best();
        }
        if (blas instanceof NativeBLAS) {
            String refused = singleThreadedOpenBlas();
            if (refused != null) {
                LOG.log(System.Logger.Level.WARNING, "CKA GEMM engine: cannot run calls side by side ({0}); each"
                        + " call uses the library''s own threads", refused);
                return best();
            }
        }
        GemmEngine e = new GemmEngine(blas, threads);
        LOG.log(System.Logger.Level.INFO, "CKA GEMM engine: {0}", e.implementation());
        return e;
    }

    /** The native library netlib loads: its own system properties, as the class comment lists them. */
    private static String nativeLibrary() {
        String path = System.getProperty("dev.ludovic.netlib.blas.nativeLibPath");
        return path != null ? path : System.getProperty("dev.ludovic.netlib.blas.nativeLib", "libblas.so.3");
    }

    /** Sets the OpenBLAS that netlib loaded to one thread; null when done, else why not. */
    private static String singleThreadedOpenBlas() {
        String lib = nativeLibrary();
        try {
            NativeLibrary library = NativeLibrary.getInstance(lib);
            Function set = library.getFunction("openblas_set_num_threads");
            Function get = library.getFunction("openblas_get_num_threads");
            set.invoke(new Object[] {1});
            int now = get.invokeInt(new Object[0]);
            return now == 1 ? null : "openblas_set_num_threads(1) left " + now + " threads";
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return lib + " is not OpenBLAS or cannot be reached through JNA: " + e.getMessage();
        }
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

    /** Threads {@link #runAll} uses side by side; 1: in turn, each call with the library's own threads. */
    public int threads() {
        return threads;
    }

    /**
     * Runs independent tasks (BLAS calls on disjoint outputs): side by side on the engine's threads, each taking
     * the next task as it becomes free, or in turn on this thread. Returns when all are done; a task's exception
     * is rethrown after the others have finished.
     */
    public void runAll(List<Runnable> tasks) {
        if (pool == null || tasks.size() < 2) {
            tasks.forEach(Runnable::run);
            return;
        }
        List<Future<?>> running = tasks.stream().<Future<?>>map(pool::submit).toList();
        Throwable failed = null;
        boolean interrupted = false;
        for (Future<?> f : running) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    // The tasks write into the caller's arrays: return only once none is running.
                    interrupted = true;
                } catch (ExecutionException e) {
                    failed = failed != null ? failed : e.getCause();
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failed instanceof RuntimeException r) {
            throw r;
        }
        if (failed instanceof Error error) {
            throw error;
        }
        if (failed != null) {
            throw new IllegalStateException(failed);
        }
    }

    public boolean isNative() {
        return blas instanceof NativeBLAS;
    }

    /**
     * e.g. {@code "JNIBLAS (native, libblas.so.3)"}, {@code "Java11BLAS (pure Java)"}, or with side-by-side
     * calls {@code "JNIBLAS (native, libblas.so.3), 2 single-threaded calls side by side"}.
     */
    public String implementation() {
        String name = blas.getClass().getSimpleName();
        String side = pool == null ? "" : ", " + threads + " single-threaded calls side by side";
        if (isNative()) {
            return name + " (native, " + nativeLibrary() + ")" + side;
        }
        return name + " (pure Java)" + side;
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
