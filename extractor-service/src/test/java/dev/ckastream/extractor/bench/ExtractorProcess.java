package dev.ckastream.extractor.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The packaged extractor (quarkus-run.jar) as its own process, with its log in a file. */
final class ExtractorProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ExtractorProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    static ExtractorProcess start(BenchOptions o, String bootstrapServers, Path log) throws IOException {
        if (!Files.isRegularFile(o.jar)) {
            throw new IllegalStateException("no packaged extractor at " + o.jar.toAbsolutePath()
                    + " (build: mvn -pl extractor-service -am package -DskipTests)");
        }
        int port = freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dquarkus.http.port=" + port);
        cmd.add("-Dquarkus.http.host=127.0.0.1");
        cmd.addAll(o.extractorOpts);
        cmd.add("-jar");
        cmd.add(o.jar.toAbsolutePath().toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("ORT_DISABLE_TELEMETRY", "1");
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
        env.put("EXTRACTOR_MAX_TOKENS", Integer.toString(o.maxTokens));
        env.put("EXTRACTOR_EXECUTION_INTRA_OP_THREADS", Integer.toString(o.threads));
        env.put("EXTRACTOR_EXECUTION_PROVIDER", o.provider);
        env.put("EXTRACTOR_EXECUTION_DEVICE_ID", Integer.toString(o.deviceId));
        // a CUDA benchmark that silently ran on CPU would report CPU figures as GPU ones
        env.put("EXTRACTOR_EXECUTION_CUDA_FALLBACK_TO_CPU", "false");
        env.put("EXTRACTOR_BATCHING_TOKEN_BUDGET", Integer.toString(o.tokenBudget));
        env.put("EXTRACTOR_BATCHING_MAX_REVIEWS", Integer.toString(o.maxBatch));
        env.put("EXTRACTOR_BATCHING_CALL_OVERHEAD_TOKENS", Integer.toString(o.callOverhead));
        return new ExtractorProcess(pb.start(), port, log);
    }

    /** Waits for /q/health/ready to answer 200 (models loaded and self-checked, Kafka channels up). */
    void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the extractor exited with code " + process.exitValue()
                        + "; its log (" + log + "):\n" + tail(40));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/q/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the extractor was not ready after " + timeout + " (last: " + last
                + "); its log (" + log + "):\n" + tail(40));
    }

    /** The execution provider each checkpoint's start-up line names ("checkpoint X: ... execution provider Y"). */
    Map<String, String> executionProviders() throws IOException {
        Map<String, String> out = new HashMap<>();
        Matcher m = Pattern.compile("checkpoint (\\S+): .*execution provider ([A-Za-z]+)").matcher(Files.readString(log));
        while (m.find()) {
            out.put(m.group(1), m.group(2));
        }
        return out;
    }

    /** Inference meters from /q/metrics, per checkpoint: micro-batches, seconds in ORT (incl. tensor building), reviews. */
    Map<String, double[]> inferenceMeters() throws Exception {
        String body = http.send(HttpRequest.newBuilder(uri("/q/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Map<String, double[]> out = new HashMap<>();
        collect(body, "ckastream_extractor_inference_seconds_count", out, 0);
        collect(body, "ckastream_extractor_inference_seconds_sum", out, 1);
        collect(body, "ckastream_extractor_batch_size_sum", out, 2);
        return out;
    }

    private static void collect(String body, String metric, Map<String, double[]> out, int slot) {
        Matcher m = Pattern.compile("(?m)^" + metric + "\\{[^}]*checkpoint=\"([^\"]+)\"[^}]*\\}\\s+(\\S+)").matcher(body);
        while (m.find()) {
            out.computeIfAbsent(m.group(1), k -> new double[3])[slot] = Double.parseDouble(m.group(2));
        }
    }

    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
