package dev.ckastream.cka.probe;

import java.util.Arrays;

/**
 * L2-regularised binary logistic regression for one layer of one checkpoint, with scikit-learn's
 * {@code StandardScaler} + {@code LogisticRegression(C)} semantics.
 *
 * <h2>Objective</h2>
 * On standardised features {@code z = (x - mean) / scale} the solver minimises
 * <pre>  f(w, b) = ½‖w‖² + C · Σᵢ log(1 + exp(−yᵢ (wᵀzᵢ + b))),   yᵢ ∈ {−1, +1}</pre>
 * with the intercept {@code b} not penalised (label 1 ↦ y = +1, label 0 ↦ y = −1). {@code mean} and
 * {@code scale} are the training rows' mean and population standard deviation (ddof 0); a feature with
 * zero variance keeps scale 1 (as {@code StandardScaler}).
 *
 * <h2>Solver</h2>
 * Line-search Newton-CG: the Newton system {@code H p = −g} is solved inexactly by Jacobi-preconditioned
 * conjugate gradients using Hessian-vector products {@code H v = v_w + C Zᵀ D Z v} (O(n·d) each, one
 * fused pass over the rows; the Hessian is never formed and the standardised matrix is never
 * materialised: products use the raw float rows with the mean/scale folded in, accumulating in double).
 * The step is accepted by Armijo backtracking; the margins along the step are updated in O(n) per trial.
 * Convergence: {@code ‖∇f‖₂ ≤ tol · ‖∇f(0, 0)‖₂} (default tol {@link #DEFAULT_TOLERANCE}), i.e. the
 * gradient norm relative to the one at the zero model. The objective is strictly convex (the
 * intercept direction has positive curvature as long as both classes occur), so this is the unique
 * optimum.
 *
 * <p>Rows are given as a row view: {@code rows[i]} holds row i's {@code dim} features at
 * {@code rows[i][offset .. offset + dim)} (the pooled vectors are layer-major, so layer {@code l} is
 * offset {@code l * dim}). The arrays are only read.
 */
public final class LogisticProbe {

    /** Default relative gradient-norm tolerance. */
    public static final double DEFAULT_TOLERANCE = 1e-10;
    /** Default limit on Newton iterations. */
    public static final int DEFAULT_MAX_NEWTON_ITERATIONS = 200;

    private LogisticProbe() {
    }

    /**
     * A fitted probe: weights and intercept in standardised space plus the standardisation itself.
     *
     * @param weights      w, length dim, in standardised coordinates
     * @param intercept    b
     * @param mean         training mean per feature
     * @param scale        training population standard deviation per feature (1 where it is 0)
     * @param iterations   Newton iterations of the fit that produced it
     * @param hessianProducts Hessian-vector products (CG iterations) of that fit, each one pass over the rows
     * @param gradientNorm ‖∇f‖₂ (w and b) at the returned point, on the standardised data
     * @param converged    whether the tolerance was reached
     */
    public record Solution(double[] weights, double intercept, double[] mean, double[] scale, int iterations,
            int hessianProducts, double gradientNorm, boolean converged) {

        public int dim() {
            return weights.length;
        }

        /** Decision value wᵀz + b for the raw features {@code x[offset .. offset + dim)}. */
        public double decision(float[] x, int offset) {
            double s = intercept;
            for (int j = 0; j < weights.length; j++) {
                s += weights[j] * ((x[offset + j] - mean[j]) / scale[j]);
            }
            return s;
        }

        /** Predicted class: 1 when wᵀz + b &gt; 0, else 0. */
        public int predict(float[] x, int offset) {
            return decision(x, offset) > 0 ? 1 : 0;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Solution other && Arrays.equals(weights, other.weights)
                    && Double.compare(intercept, other.intercept) == 0 && Arrays.equals(mean, other.mean)
                    && Arrays.equals(scale, other.scale) && iterations == other.iterations
                    && hessianProducts == other.hessianProducts
                    && Double.compare(gradientNorm, other.gradientNorm) == 0 && converged == other.converged;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(weights) * 31 + Double.hashCode(intercept);
        }

        @Override
        public String toString() {
            return "Solution[dim=" + weights.length + ", intercept=" + intercept + ", iterations=" + iterations
                    + ", hessianProducts=" + hessianProducts
                    + ", gradientNorm=" + gradientNorm + ", converged=" + converged + "]";
        }
    }

    /** Fit with the default tolerance and iteration limit. */
    public static Solution fit(float[][] rows, int offset, int n, int dim, int[] labels, double c,
            Solution warmStart) {
        return fit(rows, offset, n, dim, labels, c, warmStart, DEFAULT_TOLERANCE, DEFAULT_MAX_NEWTON_ITERATIONS);
    }

    /**
     * Fits the probe on rows {@code 0 .. n-1}.
     *
     * @param rows      row view (see class doc); only {@code rows[0 .. n)} are read
     * @param offset    offset of the features inside each row
     * @param n         number of training rows
     * @param dim       number of features
     * @param labels    labels 0/1 for rows {@code 0 .. n)}
     * @param c         inverse regularisation strength C &gt; 0
     * @param warmStart previous solution of the same dim or null; its decision function (in raw feature
     *                  space) is carried over to the new standardisation as the starting point
     * @throws IllegalArgumentException when a class is missing (the optimum would be at infinity)
     */
    public static Solution fit(float[][] rows, int offset, int n, int dim, int[] labels, double c,
            Solution warmStart, double tol, int maxNewtonIterations) {
        return fit(rows, offset, n, dim, labels, c, warmStart, tol, maxNewtonIterations, ProbePacing.NONE);
    }

    /**
     * {@link #fit(float[][], int, int, int, int[], double, Solution, double, int)} with {@code pacing} told after
     * every Hessian-vector product and Newton step (the result does not depend on it).
     */
    public static Solution fit(float[][] rows, int offset, int n, int dim, int[] labels, double c,
            Solution warmStart, double tol, int maxNewtonIterations, ProbePacing pacing) {
        if (n <= 0 || dim <= 0) {
            throw new IllegalArgumentException("n and dim must be positive: n=" + n + ", dim=" + dim);
        }
        if (!(c > 0) || Double.isInfinite(c)) {
            throw new IllegalArgumentException("C must be positive and finite: " + c);
        }
        if (rows.length < n || labels.length < n) {
            throw new IllegalArgumentException("fewer rows/labels than n=" + n);
        }
        Problem p = new Problem(rows, offset, n, dim, labels, c, java.util.Objects.requireNonNull(pacing, "pacing"));
        return p.solve(warmStart, tol, maxNewtonIterations);
    }

    /**
     * Training mean and population standard deviation (ddof 0) per feature, computed in double with
     * two passes; scale 1 where the variance is exactly 0. Returns {@code {mean, scale}}.
     */
    public static double[][] standardisation(float[][] rows, int offset, int n, int dim) {
        double[] mean = new double[dim];
        for (int i = 0; i < n; i++) {
            float[] r = rows[i];
            for (int j = 0; j < dim; j++) {
                mean[j] += r[offset + j];
            }
        }
        for (int j = 0; j < dim; j++) {
            mean[j] /= n;
        }
        double[] var = new double[dim];
        for (int i = 0; i < n; i++) {
            float[] r = rows[i];
            for (int j = 0; j < dim; j++) {
                double t = r[offset + j] - mean[j];
                var[j] += t * t;
            }
        }
        double[] scale = new double[dim];
        for (int j = 0; j < dim; j++) {
            double s = Math.sqrt(var[j] / n);
            scale[j] = s == 0.0 ? 1.0 : s;
        }
        return new double[][] {mean, scale};
    }

    private static boolean isConstant(float[][] rows, int off, int n, int j) {
        float first = rows[0][off + j];
        for (int i = 1; i < n; i++) {
            if (Float.compare(rows[i][off + j], first) != 0) {
                return false;
            }
        }
        return true;
    }

    /** log(1 + exp(−m)), stable for all m. */
    static double logLoss(double m) {
        return m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m));
    }

    /** σ(−m) = 1 / (1 + exp(m)), stable. */
    static double sigmoidNeg(double m) {
        if (m >= 0) {
            double e = Math.exp(-m);
            return e / (1 + e);
        }
        return 1 / (1 + Math.exp(m));
    }

    /** The optimisation problem on one (rows, offset) view. Variables θ = (w[0..d), b). */
    private static final class Problem {
        final float[][] rows;
        final int off;
        final int n;
        final int d;
        final double c;
        final double[] y; // ±1
        final double[] mean;
        final double[] scale;
        /** Zero-variance features: their standardised column is exactly 0 (not mean-cancelled rounding). */
        final boolean[] constant;
        // scratch
        final double[] u; // v_w / scale
        final double[] acc; // Σ q_i x_i
        final ProbePacing pacing;
        int hvCount;

        Problem(float[][] rows, int off, int n, int d, int[] labels, double c, ProbePacing pacing) {
            this.pacing = pacing;
            this.rows = rows;
            this.off = off;
            this.n = n;
            this.d = d;
            this.c = c;
            this.y = new double[n];
            int pos = 0;
            for (int i = 0; i < n; i++) {
                int l = labels[i];
                if (l != 0 && l != 1) {
                    throw new IllegalArgumentException("label must be 0 or 1: " + l + " at row " + i);
                }
                y[i] = l == 1 ? 1.0 : -1.0;
                pos += l;
            }
            if (pos == 0 || pos == n) {
                throw new IllegalArgumentException("both classes are needed; positives=" + pos + " of " + n);
            }
            double[][] ms = standardisation(rows, off, n, d);
            this.mean = ms[0];
            this.scale = ms[1];
            this.constant = new boolean[d];
            for (int j = 0; j < d; j++) {
                constant[j] = isConstant(rows, off, n, j);
            }
            this.u = new double[d];
            this.acc = new double[d];
        }

        /** out[i] = z_i · v_w + v_b for all rows (standardised matrix times vector). */
        void matVec(double[] v, double[] out) {
            double shift = v[d];
            for (int j = 0; j < d; j++) {
                u[j] = constant[j] ? 0.0 : v[j] / scale[j];
                shift -= mean[j] * u[j];
            }
            for (int i = 0; i < n; i++) {
                out[i] = dot(rows[i], off, u, d) + shift;
            }
        }

        /** out = Zᵀ r with the intercept column: out[j] = Σ r_i z_ij, out[d] = Σ r_i. */
        void matTVec(double[] r, double[] out) {
            Arrays.fill(acc, 0.0);
            double rs = 0;
            for (int i = 0; i < n; i++) {
                double ri = r[i];
                if (ri != 0.0) {
                    axpy(ri, rows[i], off, acc, d);
                    rs += ri;
                }
            }
            for (int j = 0; j < d; j++) {
                out[j] = constant[j] ? 0.0 : (acc[j] - mean[j] * rs) / scale[j];
            }
            out[d] = rs;
        }

        /** out = H v = (v_w, 0) + C Zᵀ D Z v, one fused pass over the rows. */
        void hessVec(double[] dd, double[] v, double[] out) {
            pacing.stepDone();
            hvCount++;
            double shift = v[d];
            for (int j = 0; j < d; j++) {
                u[j] = constant[j] ? 0.0 : v[j] / scale[j];
                shift -= mean[j] * u[j];
            }
            Arrays.fill(acc, 0.0);
            double qs = 0;
            for (int i = 0; i < n; i++) {
                float[] r = rows[i];
                double q = c * dd[i] * (dot(r, off, u, d) + shift);
                axpy(q, r, off, acc, d);
                qs += q;
            }
            for (int j = 0; j < d; j++) {
                out[j] = v[j] + (constant[j] ? 0.0 : (acc[j] - mean[j] * qs) / scale[j]);
            }
            out[d] = qs;
        }

        /** Objective from margins m_i = y_i (z_i·w + b). */
        double objective(double[] theta, double[] margin) {
            double ww = 0;
            for (int j = 0; j < d; j++) {
                ww += theta[j] * theta[j];
            }
            double loss = 0;
            for (int i = 0; i < n; i++) {
                loss += logLoss(margin[i]);
            }
            return 0.5 * ww + c * loss;
        }

        /** Gradient at θ with margins m; also fills the Hessian weights D_i = σ(m_i)σ(−m_i). */
        void gradient(double[] theta, double[] margin, double[] grad, double[] dd, double[] r) {
            for (int i = 0; i < n; i++) {
                double s = sigmoidNeg(margin[i]); // σ(−m)
                r[i] = -c * y[i] * s;
                dd[i] = s * (1 - s);
            }
            matTVec(r, grad);
            for (int j = 0; j < d; j++) {
                grad[j] += theta[j];
            }
        }

        Solution solve(Solution warm, double tol, int maxIter) {
            final int m = d + 1;
            double[] theta = new double[m];
            double[] z = new double[n]; // Z θ
            double[] margin = new double[n];
            double[] grad = new double[m];
            double[] dd = new double[n];
            double[] r = new double[n];

            // Reference gradient norm at θ = 0 (margins 0).
            gradient(theta, margin, grad, dd, r);
            double g0 = norm(grad);

            if (warm != null && warm.weights().length == d) {
                // Carry over the raw-space decision function: wraw = w_old / s_old, braw = b_old − μ_old·wraw.
                double braw = warm.intercept();
                double b = 0;
                for (int j = 0; j < d; j++) {
                    double wr = warm.weights()[j] / warm.scale()[j];
                    braw -= warm.mean()[j] * wr;
                    theta[j] = wr * scale[j];
                    b += mean[j] * wr;
                }
                theta[d] = braw + b;
                boolean finite = true;
                for (double t : theta) {
                    finite &= Double.isFinite(t);
                }
                if (!finite) {
                    Arrays.fill(theta, 0.0);
                }
            }
            matVec(theta, z);
            for (int i = 0; i < n; i++) {
                margin[i] = y[i] * z[i];
            }
            double f = objective(theta, margin);
            gradient(theta, margin, grad, dd, r);
            double gn = norm(grad);
            double target = tol * g0;

            double[] p = new double[m];
            double[] zp = new double[n];
            double[] trial = new double[n];
            double[] thetaTrial = new double[m];
            double[] gTrial = new double[m];
            double[] ddTrial = new double[n];
            double[] cgR = new double[m];
            double[] cgZ = new double[m];
            double[] cgD = new double[m];
            double[] cgHd = new double[m];
            double[] precond = new double[m];
            int maxCg = Math.max(50, 2 * m);

            int it = 0;
            boolean converged = gn <= target;
            while (!converged && it < maxIter) {
                pacing.stepDone();
                it++;
                // Jacobi preconditioner: diag(H)_j = 1 + C Σ D_i z_ij², diag(H)_b = C Σ D_i.
                diagHessian(dd, precond);
                // Inexact Newton direction by PCG on H p = −g, forcing term η = min(0.5, sqrt(‖g‖/g0)).
                double eta = Math.min(0.5, Math.sqrt(gn / g0));
                pcg(dd, grad, precond, eta * gn, maxCg, p, cgR, cgZ, cgD, cgHd);

                double slope = dotD(grad, p, m);
                if (!(slope < 0)) { // numerically no descent: fall back to steepest descent
                    for (int j = 0; j < m; j++) {
                        p[j] = -grad[j] / precond[j];
                    }
                    slope = dotD(grad, p, m);
                }
                matVec(p, zp);
                double alpha = 1.0;
                double fNew = Double.NaN;
                boolean accepted = false;
                for (int ls = 0; ls < 60; ls++) {
                    for (int i = 0; i < n; i++) {
                        trial[i] = margin[i] + alpha * y[i] * zp[i];
                    }
                    for (int j = 0; j < m; j++) {
                        thetaTrial[j] = theta[j] + alpha * p[j];
                    }
                    fNew = objective(thetaTrial, trial);
                    if (fNew <= f + 1e-4 * alpha * slope) {
                        accepted = true;
                        break;
                    }
                    if (Math.abs(fNew - f) <= 1e-12 * Math.max(1.0, Math.abs(f))) {
                        // Near the optimum the decrease is below the resolution of f: accept the step
                        // when it reduces the gradient norm instead (f cannot discriminate any more).
                        gradient(thetaTrial, trial, gTrial, ddTrial, r);
                        if (norm(gTrial) < gn) {
                            accepted = true;
                            break;
                        }
                    }
                    alpha *= 0.5;
                }
                if (!accepted) {
                    break; // no further decrease representable: at the optimum to machine precision
                }
                System.arraycopy(thetaTrial, 0, theta, 0, m);
                System.arraycopy(trial, 0, margin, 0, n);
                // Recompute margins exactly every few iterations to avoid drift of the O(n) updates.
                if (it % 8 == 0) {
                    matVec(theta, z);
                    for (int i = 0; i < n; i++) {
                        margin[i] = y[i] * z[i];
                    }
                    fNew = objective(theta, margin);
                }
                f = fNew;
                gradient(theta, margin, grad, dd, r);
                gn = norm(grad);
                converged = gn <= target;
            }
            // Final exact evaluation of the gradient at the returned point.
            matVec(theta, z);
            for (int i = 0; i < n; i++) {
                margin[i] = y[i] * z[i];
            }
            gradient(theta, margin, grad, dd, r);
            gn = norm(grad);
            converged = gn <= target;
            return new Solution(Arrays.copyOf(theta, d), theta[d], mean, scale, it, hvCount, gn, converged);
        }

        void diagHessian(double[] dd, double[] diag) {
            // Σ D_i z_ij² = (Σ D_i x_ij² − 2 μ_j Σ D_i x_ij + μ_j² Σ D_i) / s_j²
            double[] sx = new double[d];
            double[] sxx = new double[d];
            double sd = 0;
            for (int i = 0; i < n; i++) {
                float[] r = rows[i];
                double di = dd[i];
                sd += di;
                for (int j = 0; j < d; j++) {
                    double x = r[off + j];
                    double t = di * x;
                    sx[j] += t;
                    sxx[j] += t * x;
                }
            }
            for (int j = 0; j < d; j++) {
                double s2 = scale[j] * scale[j];
                double v = (sxx[j] - 2 * mean[j] * sx[j] + mean[j] * mean[j] * sd) / s2;
                diag[j] = constant[j] ? 1 : 1 + c * Math.max(v, 0.0);
            }
            diag[d] = Math.max(c * sd, 1e-12);
        }

        /** Preconditioned CG for H p = −g, stopping when ‖r‖ ≤ rtol. */
        void pcg(double[] dd, double[] g, double[] pre, double rtol, int maxIt, double[] p, double[] res,
                double[] zz, double[] dir, double[] hd) {
            int m = d + 1;
            Arrays.fill(p, 0.0);
            for (int j = 0; j < m; j++) {
                res[j] = -g[j];
                zz[j] = res[j] / pre[j];
                dir[j] = zz[j];
            }
            double rz = dotD(res, zz, m);
            for (int k = 0; k < maxIt; k++) {
                if (norm(res) <= rtol) {
                    return;
                }
                hessVec(dd, dir, hd);
                double dHd = dotD(dir, hd, m);
                if (!(dHd > 0)) {
                    if (k == 0) {
                        System.arraycopy(dir, 0, p, 0, m);
                    }
                    return;
                }
                double a = rz / dHd;
                for (int j = 0; j < m; j++) {
                    p[j] += a * dir[j];
                    res[j] -= a * hd[j];
                    zz[j] = res[j] / pre[j];
                }
                double rzNew = dotD(res, zz, m);
                double beta = rzNew / rz;
                rz = rzNew;
                for (int j = 0; j < m; j++) {
                    dir[j] = zz[j] + beta * dir[j];
                }
            }
        }
    }

    static double dot(float[] x, int off, double[] u, int d) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 3 < d; j += 4) {
            s0 += x[off + j] * u[j];
            s1 += x[off + j + 1] * u[j + 1];
            s2 += x[off + j + 2] * u[j + 2];
            s3 += x[off + j + 3] * u[j + 3];
        }
        for (; j < d; j++) {
            s0 += x[off + j] * u[j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    static void axpy(double a, float[] x, int off, double[] acc, int d) {
        for (int j = 0; j < d; j++) {
            acc[j] += a * x[off + j];
        }
    }

    static double dotD(double[] a, double[] b, int m) {
        double s = 0;
        for (int j = 0; j < m; j++) {
            s += a[j] * b[j];
        }
        return s;
    }

    static double norm(double[] a) {
        return Math.sqrt(dotD(a, a, a.length));
    }
}
