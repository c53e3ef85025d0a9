package dev.ckastream.extractor.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import dev.ckastream.contract.Review;
import dev.ckastream.deploy.feed.JsonlReviewReader;
import dev.ckastream.extractor.batch.MicroBatcher;
import dev.ckastream.extractor.checkpoint.Checkpoint;
import dev.ckastream.extractor.model.CheckpointFiles;
import dev.ckastream.extractor.model.ExecutionSettings;
import dev.ckastream.extractor.model.LayerPoolingModel;
import dev.ckastream.extractor.observe.ExtractorMetrics;
import dev.ckastream.extractor.pipeline.LayerExtraction;
import dev.ckastream.extractor.tokenize.ReviewTokenizer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Time and memory per review against the number of checkpoints N, for README "N checkpoints": one process per
 * N (so that its resident set is its own), N checkpoints of one architecture (bge-small-en and bge-small-en-v1.5
 * taken in turn, as a training run's checkpoints would be), the same reviews, the service's extraction path
 * ({@link LayerExtraction}, default batching) without Kafka. Prints one line: N, seconds per round (median),
 * reviews/s, ms per review per checkpoint, resident and peak resident memory, load average.
 *
 * <pre>java -cp ... dev.ckastream.extractor.bench.CheckpointScaling N [reviews] [max-tokens] [data.jsonl.gz]</pre>
 */
public final class CheckpointScaling {

    private static final List<String> MODELS = List.of("bge-small-en", "bge-small-en-v1.5");

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 48;
        int maxTokens = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        Path data = Path.of(args.length > 3 ? args[3] : "../shared/data/imdb-test.jsonl.gz");
        List<Review> reviews = new ArrayList<>();
        try (JsonlReviewReader reader = new JsonlReviewReader(data, true)) {
            while (reader.hasNext() && reviews.size() < count) {
                var r = reader.next();
                reviews.add(new Review(r.id(), r.text(), r.label()));
            }
        }
        long rssBefore = status("VmRSS");
        List<Checkpoint> checkpoints = new ArrayList<>();
        long loadStarted = System.nanoTime();
        for (int c = 0; c < n; c++) {
            String stem = MODELS.get(c % MODELS.size());
            LayerPoolingModel model = LayerPoolingModel.load("c" + c, CheckpointFiles.readModel("classpath:" + stem + ".onnx"),
                    ExecutionSettings.cpu(0));
            ReviewTokenizer tokenizer = ReviewTokenizer.load(CheckpointFiles.tokenizerPath("classpath:" + stem + "-tokenizer.json"),
                    Math.min(maxTokens, model.maxPositions()));
            checkpoints.add(new Checkpoint("c" + c, tokenizer, model));
        }
        double loadSeconds = (System.nanoTime() - loadStarted) / 1e9;
        LayerExtraction extraction = new LayerExtraction(checkpoints, new MicroBatcher(8192, 64, 64),
                new ExtractorMetrics(new SimpleMeterRegistry()));
        extraction.extract(reviews.subList(0, Math.min(8, reviews.size()))); // warm-up
        double[] seconds = new double[3];
        for (int round = 0; round < seconds.length; round++) {
            long t0 = System.nanoTime();
            var outcomes = extraction.extract(reviews);
            seconds[round] = (System.nanoTime() - t0) / 1e9;
            if (outcomes.stream().anyMatch(o -> o.failure() != null || o.records().size() != n)) {
                throw new IllegalStateException("a review did not get " + n + " records");
            }
        }
        Arrays.sort(seconds);
        double median = seconds[seconds.length / 2];
        System.out.printf(Locale.ROOT, "N=%d reviews=%d max-tokens=%d load=%.1fs round=%.2fs (min %.2f max %.2f) "
                + "reviews/s=%.2f ms/review/checkpoint=%.1f rss=%dMB (before models %dMB) peak=%dMB loadavg=%s%n",
                n, reviews.size(), maxTokens, loadSeconds, median, seconds[0], seconds[seconds.length - 1],
                reviews.size() / median, 1000 * median / reviews.size() / n, status("VmRSS") / 1024, rssBefore / 1024,
                status("VmHWM") / 1024, Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        checkpoints.forEach(Checkpoint::close);
    }

    /** A kB figure from /proc/self/status. */
    private static long status(String field) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }
}
