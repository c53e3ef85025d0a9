package dev.ckastream.cka.process;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A packaged service run as its own JVM (as deploy/run-local and compose run it), for tests that kill it
 * with SIGKILL and start it again.
 */
public final class ServiceProcess implements AutoCloseable {

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final Path jar;
    private final Map<String, String> env;
    private final Path log;
    private final int port;
    private Process process;

    public ServiceProcess(Path jar, Map<String, String> env, Path log) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: package first (./mvnw package)");
        }
        this.jar = jar;
        this.env = env;
        this.log = log;
        this.port = freePort();
    }

    public static Path repositoryRoot() {
        String root = System.getProperty("ckastream.root");
        Path p = root != null ? Path.of(root) : Path.of("").toAbsolutePath().getParent();
        return p.toAbsolutePath().normalize();
    }

    /** The packaged cka-service (built by {@code ./mvnw package}). */
    public static Path ckaJar() {
        return repositoryRoot().resolve("cka-service/target/quarkus-app/quarkus-run.jar");
    }

    /** The packaged extractor-service. */
    public static Path extractorJar() {
        return repositoryRoot().resolve("extractor-service/target/quarkus-app/quarkus-run.jar");
    }

    /** Starts the packaged cka-service with these environment variables, its output appended to {@code log}. */
    public static ServiceProcess startCka(Map<String, String> env, Path log) throws IOException {
        return new ServiceProcess(ckaJar(), env, log).start();
    }

    /** Starts the packaged extractor-service likewise. */
    public static ServiceProcess startExtractor(Map<String, String> env, Path log) throws IOException {
        return new ServiceProcess(extractorJar(), env, log).start();
    }

    public ServiceProcess start() throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Dquarkus.http.port=" + port, "-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        builder.environment().put("ORT_DISABLE_TELEMETRY", "1");
        process = builder.start();
        return this;
    }

    /** SIGKILL: no shutdown hook, no final snapshot. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM and wait. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            long started = System.nanoTime();
            process.destroy();
            if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                System.out.println(log.getFileName() + ": no exit 60 s after SIGTERM, killing it");
                process.destroyForcibly();
                process.waitFor();
            }
            System.out.printf("%s: stopped (exit %d) %.1f s after SIGTERM%n", log.getFileName(), process.exitValue(),
                    (System.nanoTime() - started) / 1e9);
        }
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The process id, or -1 when not started. */
    public long pid() {
        return process == null ? -1 : process.pid();
    }

    public int port() {
        return port;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    public String logText() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    /** Waits for {@code /q/health/ready} to answer 200. */
    public void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the service exited with " + process.exitValue() + ":\n" + tail());
            }
            if (status("/q/health/ready") == 200) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("not ready after " + timeout + ":\n" + tail());
    }

    public int status(String path) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url(path)).toURL().openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(5000);
            int code = c.getResponseCode();
            c.disconnect();
            return code;
        } catch (IOException e) {
            return -1;
        }
    }

    public String get(String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url(path)).toURL().openConnection();
        c.setConnectTimeout(1000);
        c.setReadTimeout(10000);
        try {
            return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
    }

    /** The answer to a POST: status and body (the error body for 4xx/5xx). */
    public record Answer(int status, String body) {
    }

    public Answer post(String path, String contentType, byte[] body, Map<String, String> headers) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url(path)).toURL().openConnection();
        c.setConnectTimeout(1000);
        c.setReadTimeout(30000);
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", contentType);
        headers.forEach(c::setRequestProperty);
        try {
            c.getOutputStream().write(body);
            int code = c.getResponseCode();
            var in = code >= 400 ? c.getErrorStream() : c.getInputStream();
            return new Answer(code, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            c.disconnect();
        }
    }

    /** The exit code once it has exited, or null while it runs. */
    public Integer exitCode() {
        return process != null && !process.isAlive() ? process.exitValue() : null;
    }

    /**
     * cka-service: polls {@code GET /scores} until its {@code reviews} count satisfies {@code done}; returns that
     * count. Fails with the log tail if it does not within the timeout or the process exits.
     */
    public long awaitReviews(java.util.function.LongPredicate done, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long reviews = -1;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the service exited with " + process.exitValue() + " (reviews " + reviews
                        + "):\n" + tail());
            }
            try {
                reviews = JSON.readTree(get("/scores")).get("reviews").asLong();
                if (done.test(reviews)) {
                    return reviews;
                }
            } catch (IOException notAnsweringYet) {
                // keep polling until the deadline
            }
            Thread.sleep(100);
        }
        throw new AssertionError("reviews stuck at " + reviews + " after " + timeout + ":\n" + tail());
    }

    /**
     * cka-service with several pairs: polls {@code GET /scores/pairs} until every pair has counted exactly
     * {@code reviews}; returns each pair's record by its key ({@code first~second}). Fails with the last answer and
     * the log tail otherwise.
     */
    public java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> awaitPairs(long reviews, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            if (status("/scores/pairs") == 200) {
                last = get("/scores/pairs");
                java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> byPair = new java.util.LinkedHashMap<>();
                for (com.fasterxml.jackson.databind.JsonNode p : JSON.readTree(last).get("pairs")) {
                    byPair.put(p.get("pair").get(0).asText() + "~" + p.get("pair").get(1).asText(), p);
                }
                if (byPair.values().stream().allMatch(p -> p.get("reviews").asLong() == reviews)) {
                    return byPair;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not every pair reached " + reviews + " reviews: " + last + "\n" + tail());
    }

    public com.fasterxml.jackson.databind.JsonNode scores() throws IOException {
        return JSON.readTree(get("/scores"));
    }

    public String tail() throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
