package dev.ckastream.extractor.bench;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.logging.Level;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import ai.onnxruntime.OrtEnvironment;
import dev.ckastream.deploy.broker.EmbeddedKafkaBroker;
import dev.ckastream.deploy.feed.JsonlReviewReader;
import dev.ckastream.extractor.batch.MicroBatcher;
import dev.ckastream.contract.Review;
import dev.ckastream.contract.Topics;
import dev.ckastream.extractor.model.CheckpointFiles;
import dev.ckastream.extractor.tokenize.ReviewTokenizer;
import dev.ckastream.extractor.tokenize.TokenizedReview;

/**
 * End-to-end extractor throughput (Kafka in → both checkpoints → Kafka out, the packaged service as its own
 * process) against a bare ONNX Runtime loop over the same tokenized, identically micro-batched reviews, in the
 * same run, alternating bare / e2e / bare / ... so that drift shows. Run through {@code deploy/bench-extractor}.
 *
 * <p>Not a test: a command. Exit 0 also when the shared data is absent (it says "skipped" and why).
 */
public final class ExtractorBench {

    /** The checkpoint pair, as the packaged service is configured (its application.properties). */
    record CheckpointSpec(String name, String model, String tokenizer) {
    }

    record Run(String label, int reviews, long tokens, double seconds, String note) {
        double reviewsPerSecond() {
            return reviews / seconds;
        }

        double tokensPerSecond() {
            return tokens / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        BenchOptions o;
        try {
            o = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        quietLogging();
        Path data = o.dataFile();
        if (data == null) {
            System.out.println("bench-extractor: skipped: IMDB data not found at " + o.data.toAbsolutePath().normalize()
                    + " (expected imdb-test.jsonl.gz there, i.e. ../shared/data from the repository root; pass --data PATH)");
            return;
        }
        int code = new ExtractorBench().run(o, data);
        System.exit(code);
    }

    private int run(BenchOptions o, Path data) throws Exception {
        List<CheckpointSpec> specs = checkpointPair();
        List<Review> all = readReviews(data);
        if (o.warmup + o.reviews > all.size()) {
            throw new IllegalArgumentException("asked for " + (o.warmup + o.reviews) + " reviews, " + data + " has "
                    + all.size());
        }
        Collections.shuffle(all, new Random(o.seed));
        List<Review> warm = all.subList(0, o.warmup);
        List<Review> measured = all.subList(o.warmup, o.warmup + o.reviews);

        System.out.printf(Locale.ROOT, "ckastream extractor benchmark%n");
        System.out.printf(Locale.ROOT, "  data        %s: %d reviews measured, %d warm-up (shuffled, seed %d)%n",
                data, measured.size(), warm.size(), o.seed);
        System.out.printf(Locale.ROOT, "  machine     %d CPUs (availableProcessors), load average %s (before)%n",
                Runtime.getRuntime().availableProcessors(), loadAverage());
        System.out.printf(Locale.ROOT, "  onnxruntime %s, %s; intra-op threads %s on both sides; inter-op: ORT default"
                        + " (sequential execution)%n", OrtEnvironment.getEnvironment().getVersion(),
                o.cuda() ? "CUDA device " + o.deviceId : "CPU", o.threads == 0 ? "0 = ORT default (one per physical core)" : Integer.toString(o.threads));
        System.out.printf(Locale.ROOT, "  batching    token budget %d, at most %d reviews, call overhead %d tokens,"
                + " length-sorted (MicroBatcher)%n", o.tokenBudget, o.maxBatch, o.callOverhead);
        System.out.printf(Locale.ROOT, "  checkpoints %s%n", specs.stream()
                .map(s -> s.name() + " = " + s.model()).toList());

        // Tokenize once with the service's tokenizer class and settings (truncation incl. special tokens).
        List<List<TokenizedReview>> tokenized = new ArrayList<>();
        long tokens = 0;
        long tokenizeStarted = System.nanoTime();
        for (CheckpointSpec s : specs) {
            try (ReviewTokenizer t = ReviewTokenizer.load(CheckpointFiles.tokenizerPath(s.tokenizer()),
                    ReviewTokenizer.effectiveMaxTokens(o.maxTokens, 512))) {
                List<TokenizedReview> list = new ArrayList<>(measured.size());
                for (Review r : measured) {
                    TokenizedReview tr = t.encode(r.text());
                    list.add(tr);
                    tokens += tr.tokens();
                }
                tokenized.add(list);
            }
        }
        double tokenizeSeconds = (System.nanoTime() - tokenizeStarted) / 1e9;
        MicroBatcher batcher = new MicroBatcher(o.tokenBudget, o.maxBatch, o.callOverhead);
        List<List<List<TokenizedReview>>> batches = new ArrayList<>();
        long padded = 0;
        for (List<TokenizedReview> list : tokenized) {
            List<List<TokenizedReview>> b = batcher.split(list, TokenizedReview::tokens);
            batches.add(b);
            for (List<TokenizedReview> mb : b) {
                padded += (long) mb.size() * mb.get(mb.size() - 1).tokens();
            }
        }
        System.out.printf(Locale.ROOT, "  tokens      %d over both checkpoints (%.1f per review per checkpoint, %.0f%% truncated"
                        + " to %d); tokenizing took %.2f s, outside the bare timing%n", tokens,
                tokens / 2.0 / measured.size(), 100.0 * tokenized.get(0).stream().filter(t -> t.tokens() >= o.maxTokens).count()
                        / measured.size(), o.maxTokens, tokenizeSeconds);
        System.out.printf(Locale.ROOT, "  bare loop   %d + %d micro-batches over all %d reviews, padded tokens %d (%.1f%% padding);"
                        + " output %s only, original model bytes%n", batches.get(0).size(), batches.get(1).size(),
                measured.size(), padded, 100.0 * (padded - tokens) / padded, BareOnnxLoop.OUTPUT);
        int poll = pollRecords(o);
        long pollPadded = 0;
        int pollBatches = 0;
        for (List<TokenizedReview> list : tokenized) {
            for (int from = 0; from < list.size(); from += poll) {
                for (List<TokenizedReview> mb : batcher.split(list.subList(from, Math.min(list.size(), from + poll)),
                        TokenizedReview::tokens)) {
                    pollPadded += (long) mb.size() * mb.get(mb.size() - 1).tokens();
                    pollBatches++;
                }
            }
        }
        System.out.printf(Locale.ROOT, "  e2e         max.poll.records %d: full polls alone would give %d micro-batches, padded"
                + " tokens %d (%.1f%% padding, %.3f x the bare loop's padded tokens)%n", poll, pollBatches, pollPadded,
                100.0 * (pollPadded - tokens) / pollPadded, (double) pollPadded / padded);
        if (o.planOnly) {
            return 0;
        }

        List<BareOnnxLoop> bare = new ArrayList<>();
        Path work = o.workDir != null ? Files.createDirectories(o.workDir) : Files.createTempDirectory("bench-extractor-");
        PytorchPeer peer = null;
        EmbeddedKafkaBroker broker = null;
        ExtractorProcess extractor = null;
        ActivationWatcher watcher = null;
        KafkaProducer<byte[], byte[]> producer = null;
        List<Run> runs = new ArrayList<>();
        try {
            if (o.pytorch) {
                Path inputs = work.resolve("pytorch-inputs");
                PytorchPeer.writeInputs(inputs, specs, tokenized, o.maxTokens, o.verify, o.threads);
                peer = PytorchPeer.start(o.python, Path.of("deploy/pytorch_peer.py"), inputs, o.threads);
            }
            if (o.pytorchOnly) {
                System.out.println();
                for (int r = 1; r <= o.rounds; r++) {
                    runs.add(torch(peer, measured.size(), tokens, r));
                }
                return report(runs, measured.size(), tokens);
            }
            for (int c = 0; c < specs.size(); c++) {
                BareOnnxLoop loop = new BareOnnxLoop(specs.get(c).name(), specs.get(c).model(), o.threads,
                        o.cuda() ? o.deviceId : -1);
                List<List<TokenizedReview>> b = batches.get(c);
                loop.runBatch(b.get(0)); // warm-up: shortest and longest batch shapes
                loop.runBatch(b.get(b.size() - 1));
                bare.add(loop);
            }

            broker = new EmbeddedKafkaBroker(0, work.resolve("kafka")).start();
            List<String> outTopics = specs.stream().map(s -> Topics.activations(s.name())).toList();
            createTopics(broker.bootstrapServers(), outTopics);
            long startup = System.nanoTime();
            extractor = ExtractorProcess.start(o, broker.bootstrapServers(), work.resolve("extractor.log"));
            extractor.awaitReady(Duration.ofMinutes(5));
            Map<String, String> providers = extractor.executionProviders();
            String want = o.cuda() ? "CUDA" : "CPU";
            if (providers.size() != specs.size() || !providers.values().stream().allMatch(want::equals)) {
                throw new IllegalStateException("the extractor runs on " + providers + ", asked for " + want
                        + "; its log (" + work.resolve("extractor.log") + "):\n" + extractor.tail(40));
            }
            System.out.printf(Locale.ROOT, "  extractor   %s ready in %.1f s (JVM + both models + self-checks; not timed);"
                            + " execution providers %s; log %s%n", o.jar, (System.nanoTime() - startup) / 1e9, providers,
                    work.resolve("extractor.log"));
            watcher = new ActivationWatcher(broker.bootstrapServers(), outTopics);
            watcher.awaitPositioned();
            producer = producer(broker.bootstrapServers());
            if (!warm.isEmpty()) {
                e2e(producer, watcher, extractor, warm, "warm", outTopics);
            }
            System.out.println();
            runs.add(bare(bare, batches, measured.size(), tokens, 1));
            for (int r = 1; r <= o.rounds; r++) {
                runs.add(e2e(producer, watcher, extractor, measured, "e2e" + r, outTopics));
                if (peer != null) {
                    runs.add(torch(peer, measured.size(), tokens, r));
                }
                runs.add(bare(bare, batches, measured.size(), tokens, r + 1));
            }
            for (Run run : runs) {
                if (run.label().startsWith("e2e") && run.tokens() != tokens) {
                    System.out.printf("WARNING: %s saw %d tokens in the records' headers, the bare loop ran %d%n",
                            run.label(), run.tokens(), tokens);
                }
            }
        } finally {
            if (peer != null) {
                peer.close();
            }
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
            }
            if (watcher != null) {
                watcher.close();
            }
            if (extractor != null) {
                extractor.close();
            }
            if (broker != null) {
                broker.stop();
            }
            for (BareOnnxLoop loop : bare) {
                loop.close();
            }
            if (!o.keep && o.workDir == null) {
                deleteRecursively(work);
            }
        }
        return report(runs, measured.size(), tokens);
    }

    private static Run torch(PytorchPeer peer, int reviews, long tokens, int index) throws Exception {
        String load = loadAverage().split(" ")[0];
        PytorchPeer.Round round = peer.round();
        Run run = new Run("torch #" + index, reviews, tokens, round.seconds(), "load " + load + ", " + round.perCheckpoint()
                + " (batch 1)");
        printRun(run);
        return run;
    }

    private static Run bare(List<BareOnnxLoop> loops, List<List<List<TokenizedReview>>> batches, int reviews, long tokens,
            int index) throws Exception {
        long nanos = 0;
        List<String> per = new ArrayList<>();
        per.add("load " + loadAverage().split(" ")[0]);
        for (int c = 0; c < loops.size(); c++) {
            long n = loops.get(c).run(batches.get(c));
            nanos += n;
            per.add(String.format(Locale.ROOT, "%s %.2f s", loops.get(c).name(), n / 1e9));
        }
        Run run = new Run("bare #" + index, reviews, tokens, nanos / 1e9, String.join(", ", per));
        printRun(run);
        return run;
    }

    private static Run e2e(KafkaProducer<byte[], byte[]> producer, ActivationWatcher watcher, ExtractorProcess extractor,
            List<Review> reviews, String prefix, List<String> outTopics) throws Exception {
        Set<String> expected = new HashSet<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(reviews.size());
        for (Review r : reviews) {
            Review tagged = new Review(prefix + "-" + r.id(), r.text(), r.label());
            records.add(new ProducerRecord<>(Topics.REVIEWS, tagged.keyBytes(), tagged.toJsonBytes()));
            for (String t : outTopics) {
                expected.add(t + "|" + tagged.id());
            }
        }
        Map<String, double[]> before = extractor.inferenceMeters();
        ActivationWatcher.Round round = watcher.expect(expected);
        long t0 = System.nanoTime();
        for (ProducerRecord<byte[], byte[]> record : records) {
            producer.send(record);
        }
        producer.flush();
        long produced = System.nanoTime();
        round.await(Duration.ofMinutes(30)); // a bound, not a target: on a shared 2-core machine a round can take minutes
        double seconds = (round.lastArrival - t0) / 1e9;
        Map<String, double[]> after = extractor.inferenceMeters();
        double ortSeconds = 0;
        List<String> batches = new ArrayList<>();
        for (Map.Entry<String, double[]> e : after.entrySet()) {
            double[] b = before.getOrDefault(e.getKey(), new double[3]);
            double count = e.getValue()[0] - b[0];
            ortSeconds += e.getValue()[1] - b[1];
            batches.add(String.format(Locale.ROOT, "%s %.0f (mean %.1f reviews)", e.getKey(), count,
                    (e.getValue()[2] - b[2]) / Math.max(1, count)));
        }
        String note = String.format(Locale.ROOT, "load %s; produced in %.2f s, first record %.2f s, first review on all"
                        + " topics %.2f s (%.2f of the last); extractor in ORT %.2f s (%.0f%% of wall); micro-batches %s",
                loadAverage().split(" ")[0], (produced - t0) / 1e9, (round.firstArrival - t0) / 1e9,
                (round.firstOnAllTopics - t0) / 1e9, (double) (round.firstOnAllTopics - t0) / (round.lastArrival - t0),
                ortSeconds, 100 * ortSeconds / seconds, String.join(", ", batches));
        Run run = new Run(prefix.startsWith("e2e") ? "e2e  #" + prefix.substring(3) : prefix, reviews.size(),
                round.tokens.get(), seconds, note);
        if (prefix.equals("warm")) {
            System.out.printf(Locale.ROOT, "  warm-up     %d reviews end to end in %.2f s (not counted)%n", reviews.size(),
                    seconds);
        } else {
            printRun(run);
        }
        return run;
    }

    private static void printRun(Run r) {
        System.out.printf(Locale.ROOT, "  %-8s %7d reviews %8d tokens %8.2f s   %s%n", r.label(), r.reviews(), r.tokens(),
                r.seconds(), r.note());
    }

    private static int report(List<Run> runs, int reviews, long tokens) {
        System.out.println();
        System.out.printf(Locale.ROOT, "%-14s %8s %9s %9s %10s %10s%n", "run", "reviews", "tokens", "seconds", "reviews/s",
                "tokens/s");
        for (Run r : runs) {
            System.out.printf(Locale.ROOT, "%-14s %8d %9d %9.2f %10.2f %10.1f%n", r.label(), r.reviews(), r.tokens(),
                    r.seconds(), r.reviewsPerSecond(), r.tokensPerSecond());
        }
        double[] bare = seconds(runs, "bare");
        double[] e2e = seconds(runs, "e2e");
        double[] torch = seconds(runs, "torch");
        for (String kind : List.of("bare", "e2e", "torch")) {
            double m = median(seconds(runs, kind));
            if (!Double.isNaN(m)) {
                System.out.printf(Locale.ROOT, "%-14s %8d %9d %9.2f %10.2f %10.1f%n", "median " + kind, reviews, tokens, m,
                        reviews / m, tokens / m);
            }
        }
        if (bare.length > 0 && e2e.length > 0) {
            System.out.printf(Locale.ROOT, "ratio e2e/bare (throughput, medians): %.3f   (target >= 0.9)%n",
                    median(bare) / median(e2e));
            // Drift-robust view: e2e run k against the mean of the bare runs right before and after it (k and k+1).
            double[] pr = new double[e2e.length];
            for (int k = 0; k < e2e.length; k++) {
                pr[k] = (bare[k] + bare[k + 1]) / 2 / e2e[k];
            }
            System.out.printf(Locale.ROOT, "ratio per e2e run vs its neighbouring bare runs: %s, median %.3f%n",
                    formatted(pr), median(pr));
        }
        if (torch.length > 0 && e2e.length > 0) {
            double[] pe = new double[e2e.length];
            double[] pb = new double[e2e.length];
            for (int k = 0; k < e2e.length; k++) {
                pe[k] = torch[k] / e2e[k];
                pb[k] = torch[k] / ((bare[k] + bare[k + 1]) / 2);
            }
            System.out.printf(Locale.ROOT, "ratio e2e/torch (throughput, medians): %.3f   (target >= 1); per round %s%n",
                    median(torch) / median(e2e), formatted(pe));
            System.out.printf(Locale.ROOT, "ratio bare/torch (throughput, medians): %.3f; per round (neighbouring bare"
                    + " runs) %s%n", median(torch) / median(bare), formatted(pb));
        }
        System.out.printf(Locale.ROOT, "tokens: real (unpadded) tokens summed over both checkpoints; reviews: each through"
                + " both checkpoints; load average %s (after)%n", loadAverage());
        return 0;
    }

    private static double[] seconds(List<Run> runs, String kind) {
        return runs.stream().filter(r -> r.label().startsWith(kind + " ")).mapToDouble(Run::seconds).toArray();
    }

    private static String formatted(double[] v) {
        List<String> s = new ArrayList<>();
        for (double x : v) {
            s.add(String.format(Locale.ROOT, "%.3f", x));
        }
        return s.toString();
    }

    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    // ---------------------------------------------------------------- set-up helpers

    private static List<CheckpointSpec> checkpointPair() throws Exception {
        Properties p = serviceProperties();
        List<CheckpointSpec> specs = new ArrayList<>();
        for (String which : List.of("first", "second")) {
            specs.add(new CheckpointSpec(p.getProperty("extractor." + which + ".name"),
                    p.getProperty("extractor." + which + ".model"), p.getProperty("extractor." + which + ".tokenizer")));
        }
        return specs;
    }

    /** The extractor's max.poll.records: an --extractor-opt override, else its application.properties. */
    private static int pollRecords(BenchOptions o) throws Exception {
        String key = "mp.messaging.incoming.reviews.max.poll.records";
        for (String opt : o.extractorOpts) {
            if (opt.startsWith("-D" + key + "=")) {
                return Integer.parseInt(opt.substring(key.length() + 3));
            }
        }
        return Integer.parseInt(serviceProperties().getProperty(key, "500"));
    }

    /**
     * The packaged service's own application.properties (target/classes), not the test one that precedes it on
     * the test classpath.
     */
    private static Properties serviceProperties() throws Exception {
        var resources = ExtractorBench.class.getClassLoader().getResources("application.properties");
        while (resources.hasMoreElements()) {
            java.net.URL url = resources.nextElement();
            Properties p = new Properties();
            try (InputStream in = url.openStream()) {
                p.load(in);
            }
            if (p.getProperty("extractor.first.model") != null) {
                return p;
            }
        }
        throw new IllegalStateException("extractor-service's application.properties is not on the classpath");
    }

    private static List<Review> readReviews(Path data) throws Exception {
        List<Review> out = new ArrayList<>();
        try (JsonlReviewReader reader = new JsonlReviewReader(data, data.toString().endsWith(".gz"))) {
            reader.forEachRemaining(r -> out.add(new Review(r.id(), r.text(), r.label())));
        }
        return out;
    }

    private static void createTopics(String bootstrap, List<String> outTopics) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            List<NewTopic> topics = new ArrayList<>();
            topics.add(new NewTopic(Topics.REVIEWS, 1, (short) 1));
            topics.add(new NewTopic(Topics.REVIEWS_DLQ, 1, (short) 1));
            outTopics.forEach(t -> topics.add(new NewTopic(t, 1, (short) 1)));
            admin.createTopics(topics).all().get();
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // A round of up to 1 MB (below the broker's 4 MB message.max.bytes) leaves at flush() as one record batch,
        // which the broker appends at once: one poll batch if it fits max.poll.records, so that "first review on
        // all topics" measures the extractor, not how the burst happened to be fetched.
        p.put(ProducerConfig.LINGER_MS_CONFIG, "60000");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(1 << 20));
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(8 << 20));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "180000"); // at least linger + request timeout
        return new KafkaProducer<>(p);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "n/a";
        }
    }

    private static void quietLogging() {
        java.util.logging.Logger.getLogger("").setLevel(Level.WARNING);
        for (String name : List.of("kafka", "org.apache.kafka", "state.change.logger", "ai.djl")) {
            java.util.logging.Logger.getLogger(name).setLevel(Level.WARNING);
        }
    }

    private static void deleteRecursively(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Collections.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (Exception ignored) {
            // a temporary folder
        }
    }
}
