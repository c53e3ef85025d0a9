package dev.ckastream.extractor.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import dev.ckastream.extractor.bench.ExtractorBench.CheckpointSpec;
import dev.ckastream.extractor.model.CheckpointFiles;
import dev.ckastream.extractor.model.ExecutionSettings;
import dev.ckastream.extractor.model.LayerPoolingModel;
import dev.ckastream.extractor.tokenize.TokenizedReview;

/**
 * The PyTorch peer ({@code deploy/pytorch_peer.py}) as a child process driven round by round. Its inputs are
 * written here: the extractor's own token ids of every measured review (so both sides run the same ids), the
 * extractor's pooled vectors ({@link LayerPoolingModel#pool}, one review per call) of the first reviews, which
 * the peer must reproduce before it is timed, and where each checkpoint's ONNX file is (a jar entry or a file).
 */
final class PytorchPeer implements AutoCloseable {

    private final Process process;
    private final BufferedReader out;
    private final Writer in;

    private PytorchPeer(Process process) {
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /** Writes {@code dir/manifest.json} and the files it names. */
    static void writeInputs(Path dir, List<CheckpointSpec> specs, List<List<TokenizedReview>> tokenized, int maxTokens,
            int verifyReviews, int threads) throws Exception {
        Files.createDirectories(dir);
        StringBuilder manifest = new StringBuilder("{\"maxTokens\": ").append(maxTokens).append(", \"checkpoints\": [");
        for (int c = 0; c < specs.size(); c++) {
            CheckpointSpec s = specs.get(c);
            List<TokenizedReview> reviews = tokenized.get(c);
            String tokensFile = s.name() + "-tokens.json";
            Files.writeString(dir.resolve(tokensFile), tokensJson(reviews));
            int k = Math.min(verifyReviews, reviews.size());
            String referenceFile = s.name() + "-pooled.f32";
            int layers;
            int dim;
            try (LayerPoolingModel model = LayerPoolingModel.load(s.name(), CheckpointFiles.readModel(s.model()),
                    ExecutionSettings.cpu(threads))) {
                layers = model.layers();
                dim = model.dim();
                ByteBuffer bytes = ByteBuffer.allocate(k * layers * dim * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (int r = 0; r < k; r++) {
                    for (float v : model.pool(List.of(reviews.get(r)))[0]) {
                        bytes.putFloat(v);
                    }
                }
                Files.write(dir.resolve(referenceFile), bytes.array());
            }
            manifest.append(c == 0 ? "" : ", ").append("{\"name\": ").append(quote(s.name()))
                    .append(", \"model\": ").append(modelLocation(s.model()))
                    .append(", \"tokens\": ").append(quote(tokensFile))
                    .append(", \"reference\": ").append(quote(referenceFile))
                    .append(", \"referenceReviews\": ").append(k)
                    .append(", \"layers\": ").append(layers).append(", \"dim\": ").append(dim).append('}');
        }
        Files.writeString(dir.resolve("manifest.json"), manifest.append("]}\n"));
    }

    /**
     * Starts the peer on {@code inputs} and waits until it has loaded both models and reproduced the extractor's
     * vectors (its lines are echoed); fails with the peer's own message otherwise.
     */
    static PytorchPeer start(String python, Path script, Path inputs, int threads) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--inputs", inputs.toString(), "--serve"));
        if (threads > 0) {
            cmd.addAll(List.of("--threads", Integer.toString(threads)));
        }
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        PytorchPeer peer = new PytorchPeer(p);
        for (String line; (line = peer.out.readLine()) != null; ) {
            if (line.equals("ready")) {
                return peer;
            }
            System.out.println(line);
        }
        int code = waitFor(p);
        throw new IllegalStateException("the PyTorch peer (" + String.join(" ", cmd) + ") stopped before it was ready"
                + " (exit " + code + "; its message is above)");
    }

    /** One timed round's wall time and the peer's per-checkpoint times. */
    record Round(double seconds, String perCheckpoint) {
    }

    /** One timed round: every review through both checkpoints, batch 1. */
    Round round() throws IOException {
        in.write("run\n");
        in.flush();
        String line = out.readLine();
        if (line == null || !line.startsWith("round ")) {
            throw new IllegalStateException("the PyTorch peer answered " + line + " (exit " + waitFor(process) + ")");
        }
        String[] f = line.split(" ");
        List<String> per = new ArrayList<>();
        for (int i = 2; i < f.length; i++) {
            String[] kv = f[i].split("=");
            per.add(String.format(Locale.ROOT, "%s %.2f s", kv[0], Double.parseDouble(kv[1])));
        }
        return new Round(Double.parseDouble(f[1]), String.join(", ", per));
    }

    @Override
    public void close() throws IOException {
        in.close(); // end of stdin: the peer exits
        if (waitFor(process) == -1) {
            process.destroy();
        }
    }

    private static int waitFor(Process p) {
        try {
            return p.waitFor(10, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** A classpath resource inside a jar as {"jar", "entry"}, anything else as {"file"}. */
    private static String modelLocation(String location) throws Exception {
        if (!location.startsWith(CheckpointFiles.CLASSPATH_PREFIX)) {
            return "{\"file\": " + quote(Path.of(location).toAbsolutePath().toString()) + "}";
        }
        String resource = location.substring(CheckpointFiles.CLASSPATH_PREFIX.length()).replaceFirst("^/", "");
        URL url = PytorchPeer.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IllegalStateException("model " + location + " is not on the classpath");
        }
        if (url.getProtocol().equals("jar")) {
            String spec = url.getPath(); // file:/path/x.jar!/entry
            int bang = spec.indexOf("!/");
            return "{\"jar\": " + quote(Path.of(new URL(spec.substring(0, bang)).toURI()).toString()) + ", \"entry\": "
                    + quote(spec.substring(bang + 2)) + "}";
        }
        return "{\"file\": " + quote(Path.of(url.toURI()).toString()) + "}";
    }

    private static String tokensJson(List<TokenizedReview> reviews) {
        StringBuilder sb = new StringBuilder("{\"inputIds\": [");
        appendRows(sb, reviews, true);
        sb.append("], \"tokenTypeIds\": [");
        appendRows(sb, reviews, false);
        return sb.append("]}\n").toString();
    }

    private static void appendRows(StringBuilder sb, List<TokenizedReview> reviews, boolean ids) {
        for (int r = 0; r < reviews.size(); r++) {
            long[] row = ids ? reviews.get(r).inputIds() : reviews.get(r).tokenTypeIds();
            sb.append(r == 0 ? "[" : ", [");
            for (int i = 0; i < row.length; i++) {
                sb.append(i == 0 ? "" : ",").append(row[i]);
            }
            sb.append(']');
        }
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
