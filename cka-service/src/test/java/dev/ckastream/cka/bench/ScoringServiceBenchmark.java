package dev.ckastream.cka.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ckastream.cka.math.GemmEngine;
import dev.ckastream.cka.process.ServiceProcess;
import dev.ckastream.deploy.broker.EmbeddedKafkaBroker;

/**
 * cka-service as deployed (the packaged JVM, a real broker), against its machine's limit, in one run:
 * <ol>
 *   <li>labelled review pairs of a given shape produced into the activation topics as fast as possible, then
 *       the same unlabelled (each on a fresh broker and service): end-to-end throughput (reviews/s from the first
 *       send to the score record that counts the last review) and the share of that time the service spent
 *       updating, scoring, recomputing intervals, retraining probes and writing snapshots (its
 *       {@code ckastream_cka_work_seconds} timers; probes and snapshots run on threads of their own, so the
 *       shares may add up to more than 100 %);</li>
 *   <li>with {@code --rate}, labelled pairs at each of these rates ({@code half}: half the labelled throughput just
 *       measured; e.g. {@code 200,half}): the latency from a pair's send to the first {@code cka.scores} record that includes it
 *       (median, p95, max);</li>
 *   <li>the bare float64 co-moment update of the same shapes through the same BLAS, in this JVM while no service
 *       runs (after each labelled and unlabelled pair), at 64, 256 and 512 reviews per batch
 *       ({@link CoMomentBenchmark}), and each throughput's ratio to the fastest.</li>
 * </ol>
 * Each service run also reports heap and RSS over time (sustained load: they must plateau), each state
 * snapshot's size and write time, the CPU per review of the service and of this JVM, and the ceiling this JVM
 * leaves: on a small machine the broker and producer share the cores the bare update had to itself, so no
 * service could go faster than the cores less their CPU per pair, all doing the bare update
 * ({@link Run#ceiling}). After each as-fast-as-possible run a {@link BareActivationConsumer} reads the run's records
 * again in a JVM of its own: its CPU per pair is what reading and decoding them costs any Kafka consumer here, and
 * {@link Run#ceilingWithConsumer} the most a service could reach that did nothing else besides the bare update.
 * With {@code --repeat N} the as-fast-as-possible runs and the bare update are measured N
 * times each (the service runs alternating, the bare update timed after each labelled and unlabelled pair, and each
 * of the pair's ratios taken against that timing), and the summary gives the median and range of every ratio.
 *
 * <p>Run with {@code deploy/bench-cka [--reviews N] [--warmup N] [--layers L] [--dim D] [--repeat N]
 * [--rate PAIRS_PER_S|half[,...]] [--env NAME=VALUE ...]}.
 */
public final class ScoringServiceBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int[] BLAS_BATCHES = {64, 256, 512};
    private static final List<String> PARTS = List.of("update", "wait", "fold", "scores", "intervals", "probes", "snapshot");
    /** The repeated runs' kinds, as the summary groups them. */
    private static final String LABELLED = "labelled, as fast as possible";
    private static final String UNLABELLED = "unlabelled, as fast as possible";

    /**
     * One service run's figures; {@code paced}: pairs were sent at a fixed rate; {@code serviceCpuPerReview} and
     * {@code harnessCpuPerReview} are CPU seconds per pair over the measured run, of the service's process and of
     * this JVM (broker, producer, score watcher).
     */
    record Run(String what, String kind, boolean paced, double reviewsPerSecond, double seconds,
            double[] latencyMillis, int scoreRecords, Map<String, Double> workSeconds, List<String> memory,
            List<String> snapshots, String last, String engine, String cpu, double coldReviewsPerSecond,
            double serviceCpuPerReview, double harnessCpuPerReview, double consumerCpuPerReview) {

        /** {@link ScoringServiceBenchmark#ceiling} beside this run's broker and producer. */
        double ceiling(double limit, int cores) {
            return ScoringServiceBenchmark.ceiling(limit, cores, harnessCpuPerReview);
        }

        /**
         * {@link ScoringServiceBenchmark#ceiling} beside this run's broker and producer and a {@link BareActivationConsumer}
         * reading the same records: what a service whose only cost beyond the bare update is reading and decoding its
         * input could reach. NaN when the bare consumer was not run.
         */
        double ceilingWithConsumer(double limit, int cores) {
            return ScoringServiceBenchmark.ceiling(limit, cores, harnessCpuPerReview + consumerCpuPerReview);
        }
    }

    /**
     * The most reviews/s any service could reach on a machine of {@code cores} beside a broker and producer
     * taking {@code otherCpuPerReview} CPU seconds per pair: every core busy with nothing but those and the bare
     * update at {@code limit} reviews/s (which had every core to itself), {@code cores / (cores / limit + other)}.
     */
    static double ceiling(double limit, int cores, double otherCpuPerReview) {
        return cores / (cores / limit + otherCpuPerReview);
    }

    public static void main(String[] args) throws Exception {
        int reviews = 6000, layers = 7, dim = 768, warmup = 0, repeat = 1;
        String rate = null;
        boolean replay = false;
        boolean ratesOnly = false;
        List<String> serviceEnv = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reviews" -> reviews = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--repeat" -> repeat = Integer.parseInt(args[++i]);
                case "--layers" -> layers = Integer.parseInt(args[++i]);
                case "--dim" -> dim = Integer.parseInt(args[++i]);
                case "--rate" -> rate = args[++i];
                case "--replay" -> replay = true;
                case "--rates-only" -> ratesOnly = true;
                case "--env" -> serviceEnv.add(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        List<Run> runs = new ArrayList<>();
        if (ratesOnly && (rate == null || rate.contains("half"))) {
            throw new IllegalArgumentException("--rates-only needs --rate with numbers (half needs the labelled run)");
        }
        if (repeat < 1) {
            throw new IllegalArgumentException("--repeat needs 1 or more");
        }
        int cores = Runtime.getRuntime().availableProcessors();
        List<Double> labelledRates = new ArrayList<>();
        BareLimit bare = new BareLimit(layers, dim);
        // Each as-fast-as-possible run's limit: the bare update timed right after its round, so that a slow or fast
        // phase of the machine (its timings moved by 8 % within minutes here) falls on both sides of the ratio.
        Map<Run, Double> roundLimit = new java.util.IdentityHashMap<>();
        for (int round = 1; round <= (ratesOnly ? 0 : repeat); round++) {
            // Labelled and unlabelled alternate, so a slow phase of the machine falls on both.
            String of = repeat > 1 ? String.format(" (%d of %d)", round, repeat) : "";
            Run labelled = serve(LABELLED + of, LABELLED, reviews, warmup, layers, dim, 0, true, serviceEnv);
            runs.add(labelled);
            labelledRates.add(labelled.reviewsPerSecond);
            Run unlabelled = serve(UNLABELLED + of, UNLABELLED, reviews, warmup, layers, dim, 0, false, serviceEnv);
            runs.add(unlabelled);
            double limit = bare.time(of);
            roundLimit.put(labelled, limit);
            roundLimit.put(unlabelled, limit);
        }
        if (replay) {
            runs.add(serve("labelled, replayed (topics full at start)", "labelled, replayed", reviews, 0, layers, dim,
                    -1, true, serviceEnv));
        }
        for (String each : rate == null ? new String[0] : rate.split(",")) {
            double pairsPerSecond = each.equals("half") ? median(labelledRates) / 2 : Double.parseDouble(each);
            String what = String.format("labelled at %.0f pairs/s%s", pairsPerSecond, each.equals("half")
                    ? " (half the labelled throughput)" : "");
            runs.add(serve(what, what, reviews, warmup, layers, dim, pairsPerSecond, true, serviceEnv));
        }

        // Timed as often as the service runs were repeated: the limit's own spread, next to theirs.
        for (int round = bare.limits.size() + 1; round <= repeat; round++) {
            bare.time(repeat > 1 ? String.format(" (%d of %d)", round, repeat) : "");
        }
        List<Double> limits = bare.limits;
        int bestBatch = bare.bestBatch;
        double best = median(limits);

        System.out.printf("%nsummary (%d pairs of %d x %d per checkpoint%s; %d cores; GEMM engine %s):%n", reviews, layers,
                dim, warmup > 0 ? String.format(", after %d warm-up pairs on the same broker and service", warmup) : "",
                cores, runs.get(0).engine);
        System.out.printf("  BLAS limit: %.0f reviews/s (bare update at its fastest batch size, %d per batch at best%s)%n",
                best, bestBatch, repeat > 1 ? String.format("; median of %d, range %.0f-%.0f", repeat,
                        min(limits), max(limits)) : "");
        if (!roundLimit.isEmpty()) {
            System.out.println("  each as-fast-as-possible run against the bare update timed right after its round;"
                    + " the other runs against the median");
        }
        System.out.printf("  the bare update needs %.2f ms of CPU per review (%d cores at the limit)%n", 1e3 * cores / best,
                cores);
        for (Run r : runs) {
            double limit = roundLimit.getOrDefault(r, best);
            StringBuilder shares = new StringBuilder();
            for (String part : PARTS) {
                double sec = r.workSeconds.getOrDefault(part, 0.0);
                shares.append(String.format(" %s %.0f%%", part, 100 * sec / r.seconds));
            }
            // At a fixed rate the pace is the producer's, not the machine's: a ceiling would say nothing there.
            String ceiling = r.paced ? "" : String.format(" | ceiling beside this JVM: %.0f reviews/s = %.2f",
                    r.ceiling(limit, cores), r.ceiling(limit, cores) / limit);
            if (!Double.isNaN(r.consumerCpuPerReview)) {
                ceiling += String.format(" | bare consumer %.2f ms per pair, ceiling beside this JVM and it: %.0f reviews/s"
                        + " = %.2f", 1e3 * r.consumerCpuPerReview, r.ceilingWithConsumer(limit, cores),
                        r.ceilingWithConsumer(limit, cores) / limit);
            }
            System.out.printf("  %-45s %6.0f reviews/s = %.2f of the BLAS limit (%.0f) | latency median %.0f ms, p95 %.0f"
                    + " ms, max %.0f ms | time in%s | CPU: %s; per review: service %.2f ms, this JVM %.2f ms%s%s%n",
                    r.what + ":", r.reviewsPerSecond, r.reviewsPerSecond / limit, limit, r.latencyMillis[0],
                    r.latencyMillis[1], r.latencyMillis[2], shares, r.cpu, 1e3 * r.serviceCpuPerReview,
                    1e3 * r.harnessCpuPerReview, ceiling,
                    r.coldReviewsPerSecond > 0 ? String.format(" | warm-up pairs (cold JVMs, as fast as possible): %.0f"
                            + " reviews/s = %.2f", r.coldReviewsPerSecond, r.coldReviewsPerSecond / limit) : "");
        }
        if (repeat > 1) {
            System.out.printf("%n  over the %d repeats (each ratio against the bare update timed after its round;"
                    + " the ceiling as above):%n", repeat);
            for (String kind : List.of(LABELLED, UNLABELLED)) {
                List<Run> same = runs.stream().filter(r -> r.kind.equals(kind)).toList();
                if (same.isEmpty()) {
                    continue;
                }
                List<Double> rates = same.stream().map(Run::reviewsPerSecond).toList();
                List<Double> ratios = same.stream().map(r -> r.reviewsPerSecond / roundLimit.get(r)).toList();
                List<Double> ceilings = same.stream().map(r -> r.ceiling(roundLimit.get(r), cores) / roundLimit.get(r))
                        .toList();
                List<Double> withConsumer = same.stream()
                        .map(r -> r.ceilingWithConsumer(roundLimit.get(r), cores) / roundLimit.get(r))
                        .filter(c -> !Double.isNaN(c)).toList();
                List<Double> colds = same.stream().map(r -> r.coldReviewsPerSecond / roundLimit.get(r))
                        .filter(c -> c > 0).toList();
                System.out.printf("  %-45s median %.0f reviews/s; of the limit median %.2f (range %.2f-%.2f) | ceiling"
                        + " median %.2f (range %.2f-%.2f)%s%s%n", kind + ":", median(rates), median(ratios),
                        min(ratios), max(ratios), median(ceilings), min(ceilings), max(ceilings),
                        withConsumer.isEmpty() ? "" : String.format(" | with a bare consumer median %.2f (range %.2f-%.2f)",
                                median(withConsumer), min(withConsumer), max(withConsumer)),
                        colds.isEmpty() ? "" : String.format(" | cold median %.2f (range %.2f-%.2f)",
                                median(colds), min(colds), max(colds)));
            }
        }
    }

    /**
     * The bare co-moment update through the same BLAS, in this JVM while no service or broker runs, at each of
     * {@link #BLAS_BATCHES}: each {@link #time} prints the three and returns the fastest (one timing of the limit).
     * Its accumulators (231 MB at 7 × 768) live only while it times, not through the service runs between timings,
     * when this JVM hosts the broker and producer.
     */
    private static final class BareLimit {
        private final int layers;
        private final int dim;
        private final GemmEngine gemm = GemmEngine.best();
        final List<Double> limits = new ArrayList<>();
        int bestBatch;
        private double fastestOfAll;

        BareLimit(int layers, int dim) {
            this.layers = layers;
            this.dim = dim;
        }

        double time(String of) {
            double[][] cross = new double[layers][dim * layers * dim];
            double[][] selfA = new double[layers][dim * dim];
            double[][] selfB = new double[layers][dim * dim];
            System.out.printf("%nbare co-moment update (cross DGEMM + self DSYRK, float64, %s), same run%s:%n",
                    gemm.implementation(), of);
            double fastest = 0;
            for (int m : BLAS_BATCHES) {
                double r = CoMomentBenchmark.bareReviewsPerSecond(gemm, layers, dim, layers, dim, m, 5,
                        Math.max(2, 1024 / m), cross, selfA, selfB);
                System.out.printf("  %4d reviews per batch: %7.0f reviews/s%s%n", m, r, of);
                fastest = Math.max(fastest, r);
                if (r > fastestOfAll) {
                    fastestOfAll = r;
                    bestBatch = m;
                }
            }
            limits.add(fastest);
            return fastest;
        }
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    }

    private static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }

    /**
     * Starts a broker and the packaged service, produces the pairs, and measures until the last is scored. With
     * {@code warmup} pairs, those are produced first (as fast as possible, or at the run's rate) and scored before the clock starts (the
     * bare update is timed after warm-up repetitions too: both JVMs' JIT compilers, the broker's included, take a
     * good part of a 2-core machine during the first seconds); their own rate is reported as the cold figure.
     */
    private static Run serve(String what, String kind, int reviews, int warmup, int layers, int dim, double rate,
            boolean labelled, List<String> serviceEnv) throws Exception {
        Path work = Files.createTempDirectory("ckastream-bench-cka");
        boolean failed = false;
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(0, work.resolve("kafka")).start()) {
            java.util.HashMap<String, String> env = new java.util.HashMap<>(Map.of(
                    "KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "CKA_STATE_DIR", work.resolve("state").toString()));
            for (String kv : serviceEnv) {
                env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
            long[] sentNanos = new long[reviews];
            // The pairs are made before the clock starts: generating ~10,000 Gaussian floats per pair would take
            // a good part of a core from the service on a small machine, which is not the service's cost.
            List<byte[][]> payloads = payloads(reviews, layers, dim);
            boolean replay = rate < 0;
            if (replay) {
                // A replay: the topics are full before the service starts; the clock starts when it is ready.
                produce(broker, "bench-", payloads, layers, dim, 0, labelled, sentNanos);
            }
            Path jar = ServiceProcess.ckaJar();
            ServiceProcess cka = new ServiceProcess(jar, env, work.resolve("cka.log")).start();
            cka.awaitReady(Duration.ofSeconds(120));
            System.out.printf("%n== %s: cka-service ready (%s); %d pairs of %d x %d%n", what, jar, reviews, layers, dim);

            ConcurrentLinkedQueue<long[]> scoreRecords = new ConcurrentLinkedQueue<>(); // {receivedNanos, reviews}
            AtomicBoolean done = new AtomicBoolean();
            Thread scores = new Thread(() -> watchScores(broker, scoreRecords, done), "scores");
            scores.start();
            List<String> memory = new ArrayList<>();
            double cold = 0;
            Map<String, Double> workAtStart = Map.of();
            double foldsAtStart = 0;
            if (warmup > 0) {
                long warmStart = System.nanoTime();
                // A fixed-rate run warms up at its rate: the emission path it exercises is not the backlog's.
                produce(broker, "warm-", payloads(warmup, layers, dim), layers, dim, Math.max(rate, 0), labelled,
                        new long[warmup]);
                awaitCount(scoreRecords, warmup, cka);
                cold = rate > 0 ? 0 : warmup / ((System.nanoTime() - warmStart) / 1e9);
                String metrics = cka.get("/q/metrics");
                workAtStart = workSeconds(metrics);
                foldsAtStart = folds(metrics);
                scoreRecords.clear();
                System.out.printf("%d warm-up pairs scored at %.0f reviews/s; the clock starts now%n", warmup,
                        warmup / ((System.nanoTime() - warmStart) / 1e9));
            }
            Thread sampler = new Thread(() -> sampleMemory(cka, memory, done), "memory");
            sampler.start();

            long start = System.nanoTime();
            long[] cpuAtStart = cpuNanos(cka);
            if (replay) {
                Arrays.fill(sentNanos, start);
            } else {
                produce(broker, "bench-", payloads, layers, dim, rate, labelled, sentNanos);
            }
            long sent = System.nanoTime();
            int total = warmup + reviews;
            awaitCount(scoreRecords, total, cka);
            long end = scoreRecords.stream().filter(r -> r[1] >= total).mapToLong(r -> r[0]).min().orElseThrow();
            long[] cpuAtEnd = cpuNanos(cka);
            double wall = (System.nanoTime() - start) / 1e9;
            String cpu = String.format("service %.2f cores, this JVM (broker, producer, score watcher) %.2f cores,"
                    + " of %d", (cpuAtEnd[0] - cpuAtStart[0]) / 1e9 / wall, (cpuAtEnd[1] - cpuAtStart[1]) / 1e9 / wall,
                    Runtime.getRuntime().availableProcessors());
            String metrics = cka.get("/q/metrics");
            Map<String, Double> workSeconds = new java.util.TreeMap<>(workSeconds(metrics));
            workAtStart.forEach((part, sec) -> workSeconds.merge(part, -sec, Double::sum));
            double folds = folds(metrics) - foldsAtStart;
            done.set(true);
            scores.join();
            sampler.join();
            JsonNode last = JSON.readTree(cka.get("/scores"));
            String engine = engine(cka);
            cka.stop();
            // What reading and decoding these records costs any consumer, on the same broker and data: as fast as
            // possible runs only (at a fixed rate the producer sets the pace, so the ceiling it feeds is not printed).
            double consumerCpuPerReview = rate == 0 ? bareConsumerCpuPerReview(broker, total) : Double.NaN;

            long[] latency = new long[reviews];
            List<long[]> records = new ArrayList<>(scoreRecords);
            int next = 0;
            for (int k = 0; k < reviews; k++) {
                while (next < records.size() && records.get(next)[1] < warmup + k + 1) {
                    next++;
                }
                latency[k] = records.get(next)[0] - sentNanos[k];
            }
            // Latency over the run: its median and max per 5 s of send time (a stall shows as one bad window).
            StringBuilder windows = new StringBuilder();
            for (int from = 0; from < reviews; ) {
                long windowEnd = sentNanos[from] + 5_000_000_000L;
                int to = from;
                while (to < reviews && sentNanos[to] < windowEnd) {
                    to++;
                }
                long[] w = Arrays.copyOfRange(latency, from, to);
                Arrays.sort(w);
                windows.append(String.format(" %.0f/%.0f", w[w.length / 2] / 1e6, w[w.length - 1] / 1e6));
                from = to;
            }
            Arrays.sort(latency);
            double seconds = (end - start) / 1e9;
            double[] latencyMillis = {latency[reviews / 2] / 1e6, latency[(int) (reviews * 0.95)] / 1e6,
                    latency[reviews - 1] / 1e6};
            System.out.printf("produced %d pairs in %.2f s; last one scored after %.2f s%n", reviews, (sent - start) / 1e9, seconds);
            System.out.printf("throughput: %.0f reviews/s end to end (GEMM engine: %s)%n", reviews / seconds, engine);
            System.out.printf("CPU over the run: %s%n", cpu);
            System.out.printf("latency pair sent -> first cka.scores record including it: median %.0f ms, p95 %.0f ms, max %.0f ms (%d score records)%n",
                    latencyMillis[0], latencyMillis[1], latencyMillis[2], records.size());
            System.out.printf("latency median/max (ms) per 5 s of send time:%s%n", windows);
            long[] gaps = new long[Math.max(records.size() - 1, 0)];
            for (int k = 1; k < records.size(); k++) {
                gaps[k - 1] = records.get(k)[0] - records.get(k - 1)[0];
            }
            Arrays.sort(gaps);
            if (gaps.length > 0) {
                System.out.printf("time between score records: median %.0f ms, p95 %.0f ms, max %.0f ms%n",
                        gaps[gaps.length / 2] / 1e6, gaps[(int) (gaps.length * 0.95)] / 1e6, gaps[gaps.length - 1] / 1e6);
            }
            System.out.print("service time in:");
            for (String part : PARTS) {
                double sec = workSeconds.getOrDefault(part, 0.0);
                System.out.printf(" %s %.1f s (%.0f%%)", part, sec, 100 * sec / seconds);
            }
            System.out.printf(" (wait and fold: parts of update, the lock wait and the co-moment GEMMs; %.0f folds, %.0f reviews each on average)%n",
                    folds, reviews / Math.max(folds, 1));
            System.out.println("memory over time (s, heap used MB, RSS MB):");
            memory.forEach(m -> System.out.println("  " + m));
            List<String> snapshots = cka.logText().lines().filter(l -> l.contains(" snapshot snapshot-"))
                    .map(l -> l.substring(l.indexOf(") ") + 2)).toList();
            System.out.println("snapshots (size, write time, and the part of it during which scoring waited):");
            snapshots.forEach(l -> System.out.println("  " + l));
            String lastLine = String.format("reviews %d, labeled %d, deadLetters %d, cka[0][0] %.6f, cka[last][last] %.6f",
                    last.get("reviews").asLong(), last.get("labeled").asLong(), last.get("deadLetters").asLong(),
                    last.get("cka").get(0).get(0).asDouble(), last.get("cka").get(layers - 1).get(layers - 1).asDouble());
            System.out.println("final: " + lastLine);
            if (last.get("reviews").asLong() != total || last.get("deadLetters").asLong() != 0) {
                throw new IllegalStateException("the service did not count every pair exactly once: " + lastLine);
            }
            return new Run(what, kind, rate > 0, reviews / seconds, seconds, latencyMillis, records.size(),
                    workSeconds, memory, snapshots, lastLine, engine, cpu, cold,
                    (cpuAtEnd[0] - cpuAtStart[0]) / 1e9 / reviews, (cpuAtEnd[1] - cpuAtStart[1]) / 1e9 / reviews,
                    consumerCpuPerReview);
        } catch (Exception | Error e) {
            // Kept for a look at cka.log and the broker's data; a run that completes removes them (up to 2 GB).
            System.err.println("run failed; its broker data, state and cka.log are kept in " + work);
            failed = true;
            throw e;
        } finally {
            if (!failed) {
                EmbeddedKafkaBroker.deleteRecursively(work);
            }
        }
    }

    /**
     * Runs a {@link BareActivationConsumer} in a JVM of its own over the {@code total} pairs in the activation topics
     * (a warm-up pass, then a timed one) and returns its consuming thread's CPU seconds per pair.
     */
    private static double bareConsumerCpuPerReview(EmbeddedKafkaBroker broker, int total) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), BareActivationConsumer.class.getName(), broker.bootstrapServers(),
                Long.toString(2L * total)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("the bare consumer failed:\n" + out);
        }
        String line = out.lines().filter(l -> l.startsWith("records ")).reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalStateException("the bare consumer printed no figures:\n" + out));
        String[] f = line.split(" ");
        double pairs = Long.parseLong(f[1]) / 2.0;
        double threadPerPair = Long.parseLong(f[3]) / 1e9 / pairs;
        double processPerPair = Long.parseLong(f[5]) / 1e9 / pairs;
        System.out.printf("bare consumer (a plain KafkaConsumer and the contract's decoder in a JVM of its own, the run's"
                + " %s records read a second time): %.3f ms of CPU per pair on its thread, %.3f ms in its whole JVM, over"
                + " %s s%n", f[1], 1e3 * threadPerPair, 1e3 * processPerPair, f[7]);
        return threadPerPair;
    }

    /**
     * CPU time so far of the service's process and of this JVM (the embedded broker, the producer and the score
     * watcher): on a small machine they compete for the cores the bare BLAS limit has to itself.
     */
    private static long[] cpuNanos(ServiceProcess cka) {
        long service = ProcessHandle.of(cka.pid()).flatMap(h -> h.info().totalCpuDuration())
                .map(Duration::toNanos).orElse(0L);
        long self = ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
        return new long[] { service, self };
    }

    /** Seconds per part from the service's {@code ckastream_cka_work_seconds_sum{part="..."}} lines. */
    static Map<String, Double> workSeconds(String metrics) {
        Map<String, Double> out = new java.util.TreeMap<>();
        java.util.regex.Pattern line = java.util.regex.Pattern.compile(
                "^ckastream_cka_work_seconds_sum\\{.*part=\"(\\w+)\".*\\}\\s+(\\S+)$");
        metrics.lines().map(line::matcher).filter(java.util.regex.Matcher::matches)
                .forEach(m -> out.merge(m.group(1), Double.parseDouble(m.group(2)), Double::sum));
        if (out.isEmpty()) {
            throw new IllegalStateException("no ckastream_cka_work_seconds timers on /q/metrics");
        }
        return out;
    }

    /** The service's start-up lines naming its GEMM engine and its JIT policy ({@code cka.c2-classes}). */
    private static String engine(ServiceProcess cka) throws java.io.IOException {
        String log = cka.logText();
        return afterMarker(log, "GEMM engine: ") + "; JIT: " + afterMarker(log, "JIT: ");
    }

    private static String afterMarker(String log, String marker) {
        return log.lines().filter(l -> l.contains(marker)).findFirst()
                .map(l -> l.substring(l.indexOf(marker) + marker.length()).trim()).orElse("?");
    }

    /** Each pair's two values (first, second checkpoint): correlated Gaussian vectors, one outlier dimension. */
    private static List<byte[][]> payloads(int reviews, int layers, int dim) {
        Random random = new Random(1);
        float[] a = new float[layers * dim];
        float[] b = new float[layers * dim];
        List<byte[][]> out = new ArrayList<>(reviews);
        for (int r = 0; r < reviews; r++) {
            for (int k = 0; k < a.length; k++) {
                a[k] = (float) (random.nextGaussian() + (k % dim == 0 ? 100 : 0));
                b[k] = (float) (0.7 * a[k] + 0.3 * random.nextGaussian());
            }
            out.add(new byte[][] {floats(a), floats(b)});
        }
        return out;
    }

    private static double folds(String metrics) {
        return metrics.lines().filter(l -> l.startsWith("ckastream_cka_folds_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static void awaitCount(ConcurrentLinkedQueue<long[]> records, long count, ServiceProcess cka)
            throws InterruptedException, java.io.IOException {
        while (lastCount(records) < count) {
            if (!cka.isAlive()) {
                throw new IllegalStateException("cka-service died:\n" + cka.tail());
            }
            Thread.sleep(50);
        }
    }

    private static void produce(EmbeddedKafkaBroker broker, String keyPrefix, List<byte[][]> payloads, int layers,
            int dim, double rate, boolean labelled, long[] sentNanos) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("acks", "all");
        p.put("linger.ms", "5");
        p.put("batch.size", String.valueOf(1 << 20));
        p.put("buffer.memory", String.valueOf(256L << 20));
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int r = 0; r < payloads.size(); r++) {
                if (rate > 0) {
                    // Sleep, not spin: a spinning producer would take a whole core from the service.
                    long due = start + (long) (r * 1e9 / rate);
                    for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                }
                byte[] key = (keyPrefix + r).getBytes(StandardCharsets.UTF_8);
                sentNanos[r] = System.nanoTime();
                producer.send(new ProducerRecord<>("activations.pretrained", null, key, payloads.get(r)[0], headers(layers, dim, "aaaa", r, labelled)));
                producer.send(new ProducerRecord<>("activations.finetuned", null, key, payloads.get(r)[1], headers(layers, dim, "bbbb", r, labelled)));
            }
            producer.flush();
        }
    }

    private static void watchScores(EmbeddedKafkaBroker broker, ConcurrentLinkedQueue<long[]> out, AtomicBoolean done) {
        Map<String, Object> c = Map.of("bootstrap.servers", broker.bootstrapServers(), "group.id", "bench-" + UUID.randomUUID(),
                "auto.offset.reset", "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("cka.scores"));
            while (!done.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                    out.add(new long[] { System.nanoTime(), JSON.readTree(r.value()).get("reviews").asLong() });
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sampleMemory(ServiceProcess cka, List<String> out, AtomicBoolean done) {
        long start = System.nanoTime();
        while (!done.get()) {
            try {
                String metrics = cka.get("/q/metrics");
                double heap = metrics.lines().filter(l -> l.startsWith("jvm_memory_used_bytes") && l.contains("area=\"heap\""))
                        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
                long rss = cka.pid() < 0 ? -1 : Files.readAllLines(Path.of("/proc/" + cka.pid() + "/status")).stream()
                        .filter(l -> l.startsWith("VmRSS:")).mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst()
                        .orElse(-1) / 1024;
                out.add(String.format("%6.1f  %7.0f  %7d", (System.nanoTime() - start) / 1e9, heap / 1e6, rss));
                Thread.sleep(2000);
            } catch (Exception e) {
                return;
            }
        }
    }

    private static long lastCount(ConcurrentLinkedQueue<long[]> records) {
        long max = 0;
        for (long[] r : records) {
            max = Math.max(max, r[1]);
        }
        return max;
    }

    private static RecordHeaders headers(int layers, int dim, String model, int r, boolean labelled) {
        RecordHeaders h = new RecordHeaders();
        h.add("layers", Integer.toString(layers).getBytes(StandardCharsets.US_ASCII));
        h.add("dim", Integer.toString(dim).getBytes(StandardCharsets.US_ASCII));
        h.add("tokens", "128".getBytes(StandardCharsets.US_ASCII));
        if (labelled) {
            h.add("label", Integer.toString(r % 2).getBytes(StandardCharsets.US_ASCII));
        }
        h.add("model", model.getBytes(StandardCharsets.US_ASCII));
        return h;
    }

    private static byte[] floats(float[] v) {
        ByteBuffer buf = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(v);
        return buf.array();
    }
}
