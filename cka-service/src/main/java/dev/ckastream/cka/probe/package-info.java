/**
 * Per-layer linear sentiment probes for two checkpoints (plain Java; no Quarkus or Kafka here).
 *
 * <ul>
 * <li>{@link dev.ckastream.cka.probe.ProbeSplit}: test review iff unsigned CRC32 of the UTF-8 id mod 5 == 0.</li>
 * <li>{@link dev.ckastream.cka.probe.LogisticProbe}: scikit-learn {@code StandardScaler} (ddof 0, zero variance
 * → scale 1) + {@code LogisticRegression(C)} objective, ½‖w‖² + C Σ log(1+exp(−y(wᵀz+b))), intercept not
 * penalised; matrix-free Newton-CG to ‖∇f‖ ≤ 1e-10·‖∇f(0)‖; warm start carries the previous decision
 * function over to the new standardisation.</li>
 * <li>{@link dev.ckastream.cka.probe.ProbeTrainingSet}: float32 pooled vectors of both checkpoints, both splits
 * under one byte bound (default 1 GiB ≈ 24,966 DistilBERT reviews: 19,973 train + 4,993 test); beyond it a
 * deterministic, order-independent bottom-k (reservoir) sample per split, seen/kept/duplicate counts.</li>
 * <li>{@link dev.ckastream.cka.probe.LayerProbes}: retrain on a consistent snapshot while adds continue;
 * accuracy null until ≥ 10 training reviews of each class and ≥ 5 test reviews (configurable);
 * {@code writeTo}/{@code readFrom} round-trip exactly.</li>
 * </ul>
 *
 * <p>Cost: one Hessian-vector product is one pass over the n×d training rows of a layer (≈ 2·n·d multiply-adds).
 * A cold fit of n = 20,000, d = 768 took ~530 products (10 Newton steps), ≈ 13–22 s on one shared core of the
 * development machine; a warm refit after 5% more data ~365 products. A retrain fits all layers of both
 * checkpoints one after the other on the calling thread.
 */
package dev.ckastream.cka.probe;
