package dev.ckastream.extractor.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Command-line options of {@link ExtractorBench} (see {@link #USAGE}). */
final class BenchOptions {

    static final String USAGE = """
            usage: deploy/bench-extractor [options]
              --reviews N        reviews measured per run (default 256)
              --max-tokens T     truncation, special tokens included (default 256)
              --data PATH        imdb-test.jsonl.gz, or the folder holding it (default ../shared/data)
              --warmup W         reviews sent end to end before measuring, not counted (default 32)
              --rounds R         end-to-end runs; runs alternate bare, e2e, bare, ... (R e2e, R+1 bare; default 3)
              --seed S           shuffle seed (default 42)
              --threads K        ONNX Runtime intra-op threads for both sides; 0 = ORT's default (default 0)
              --provider P       execution provider for both sides: cpu or cuda (default cpu); cuda needs the
                                 GPU build (deploy/bench-gpu does it) and fails rather than fall back to CPU
              --device-id N      CUDA device for both sides (default 0)
              --token-budget B   micro-batch token budget for both sides (default 8192, the service default)
              --max-batch M      most reviews per micro-batch for both sides (default 64, the service default)
              --call-overhead C  batcher's per-call cost in tokens for both sides (default 64, the service default)
              --jar PATH         the packaged extractor (default extractor-service/target/quarkus-app/quarkus-run.jar)
              --extractor-opt X  extra JVM option for the extractor process, repeatable
                                 (e.g. --extractor-opt -Dmp.messaging.incoming.reviews.max.poll.records=512)
              --work-dir DIR     broker data and extractor log (default: a temporary folder, deleted unless --keep)
              --keep             keep the work folder
              --plan-only        tokenize and print the batching plan (tokens, padding), run nothing
              --pytorch          also time the PyTorch peer (deploy/pytorch_peer.py: the same reviews and token ids,
                                 batch 1, both checkpoints) in each round: bare, e2e, torch, bare, e2e, torch, ...
              --pytorch-only     time only the PyTorch peer (what deploy/bench-pytorch runs)
              --python PATH      the Python that has torch (default: $BENCH_PYTHON, else python3)
              --verify N         reviews whose pooled vectors the peer must reproduce before timing (default 8)
            """;

    int reviews = 256;
    int maxTokens = 256;
    Path data = Path.of("../shared/data");
    int warmup = 32;
    int rounds = 3;
    long seed = 42;
    int threads = 0;
    String provider = "cpu";
    int deviceId = 0;
    int tokenBudget = 8192;
    int maxBatch = 64;
    int callOverhead = 64;
    Path jar = Path.of("extractor-service/target/quarkus-app/quarkus-run.jar");
    List<String> extractorOpts = new ArrayList<>();
    Path workDir;
    boolean keep;
    boolean planOnly;
    boolean pytorch;
    boolean pytorchOnly;
    String python = System.getenv().getOrDefault("BENCH_PYTHON", "python3");
    int verify = 8;

    static BenchOptions parse(String[] args) {
        BenchOptions o = new BenchOptions();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                System.out.print(USAGE);
                System.exit(0);
            }
            if (a.equals("--keep") || a.equals("--plan-only") || a.equals("--pytorch") || a.equals("--pytorch-only")) {
                o.keep |= a.equals("--keep");
                o.planOnly |= a.equals("--plan-only");
                o.pytorch |= a.startsWith("--pytorch");
                o.pytorchOnly |= a.equals("--pytorch-only");
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value\n" + USAGE);
            }
            String v = args[++i];
            switch (a) {
                case "--reviews" -> o.reviews = positive(a, v);
                case "--max-tokens" -> o.maxTokens = positive(a, v);
                case "--data" -> o.data = Path.of(v);
                case "--warmup" -> o.warmup = Integer.parseInt(v);
                case "--rounds" -> o.rounds = positive(a, v);
                case "--seed" -> o.seed = Long.parseLong(v);
                case "--threads" -> o.threads = Integer.parseInt(v);
                case "--provider" -> o.provider = v;
                case "--device-id" -> o.deviceId = Integer.parseInt(v);
                case "--token-budget" -> o.tokenBudget = positive(a, v);
                case "--max-batch" -> o.maxBatch = positive(a, v);
                case "--call-overhead" -> o.callOverhead = Integer.parseInt(v);
                case "--jar" -> o.jar = Path.of(v);
                case "--extractor-opt" -> o.extractorOpts.add(v);
                case "--work-dir" -> o.workDir = Path.of(v);
                case "--python" -> o.python = v;
                case "--verify" -> o.verify = positive(a, v);
                default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
            }
        }
        if (o.maxTokens < 2) {
            throw new IllegalArgumentException("--max-tokens must be at least 2");
        }
        if (o.warmup < 0 || o.threads < 0 || o.deviceId < 0) {
            throw new IllegalArgumentException("--warmup, --threads and --device-id must be >= 0");
        }
        if (!o.provider.equals("cpu") && !o.provider.equals("cuda")) {
            throw new IllegalArgumentException("--provider must be cpu or cuda, got " + o.provider);
        }
        if (o.pytorch && o.cuda()) {
            throw new IllegalArgumentException("--pytorch: the PyTorch peer runs on CPU only");
        }
        return o;
    }

    boolean cuda() {
        return provider.equals("cuda");
    }

    /** The data file: --data itself, or imdb-test.jsonl.gz inside it; null if absent. */
    Path dataFile() {
        Path f = Files.isDirectory(data) ? data.resolve("imdb-test.jsonl.gz") : data;
        return Files.isReadable(f) ? f : null;
    }

    private static int positive(String name, String v) {
        int n = Integer.parseInt(v);
        if (n < 1) {
            throw new IllegalArgumentException(name + " must be positive, got " + v);
        }
        return n;
    }
}
