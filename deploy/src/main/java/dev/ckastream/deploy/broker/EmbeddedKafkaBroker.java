package dev.ckastream.deploy.broker;

import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node Apache Kafka broker (KRaft, combined broker and controller) run in-process,
 * bound to 127.0.0.1. Used by the integration tests (through {@code KafkaBrokerTestResource}) and by
 * {@code deploy/run-local} (through {@link #main}).
 *
 * <p>{@link #withSaslPlain} adds a second client listener, SASL_PLAINTEXT with the PLAIN mechanism and the
 * given users, on its own port ({@link #saslBootstrapServers()}); the PLAINTEXT listener stays for the broker's
 * own traffic and for tests that need no credentials.
 *
 * <p>Storage is formatted on first start; restarting on the same data directory keeps every topic
 * and committed offset, which is what the broker-outage tests rely on.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final int NODE_ID = 1;
    private static final String HOST = "127.0.0.1";

    private final int port;
    private final int controllerPort;
    private final Path dataDirectory;
    private final Map<String, String> extraConfig;
    private Map<String, String> saslUsers = Map.of();
    private int saslPort = -1;
    private KafkaRaftServer server;

    /**
     * @param port           client port (0 picks a free one)
     * @param dataDirectory  log and metadata directory; created if missing, formatted once
     * @param extraConfig    broker properties that override the defaults (listeners for SASL, retention, ...)
     */
    public EmbeddedKafkaBroker(int port, Path dataDirectory, Map<String, String> extraConfig) {
        this.port = port == 0 ? freePort() : port;
        this.controllerPort = freePort();
        this.dataDirectory = dataDirectory.toAbsolutePath();
        this.extraConfig = Map.copyOf(extraConfig);
    }

    public EmbeddedKafkaBroker(int port, Path dataDirectory) {
        this(port, dataDirectory, Map.of());
    }

    /**
     * Adds a SASL_PLAINTEXT listener (mechanism PLAIN) that accepts exactly these users; call before
     * {@link #start}. The port is picked once, so a restart keeps it.
     *
     * @param users user name to password; neither may contain {@code "} or {@code \} (JAAS quoting)
     */
    public synchronized EmbeddedKafkaBroker withSaslPlain(Map<String, String> users) {
        if (server != null) {
            throw new IllegalStateException("withSaslPlain must be called before start()");
        }
        if (users.isEmpty()) {
            throw new IllegalArgumentException("a SASL/PLAIN listener needs at least one user");
        }
        users.forEach((user, password) -> {
            if (user.isEmpty() || !user.chars().allMatch(ch -> Character.isLetterOrDigit(ch) || ch == '-' || ch == '_')
                    || password.contains("\"") || password.contains("\\")) {
                throw new IllegalArgumentException("SASL user names are letters, digits, - and _; passwords have no"
                        + " quote or backslash (user " + user + ")");
            }
        });
        this.saslUsers = Map.copyOf(users);
        if (saslPort < 0) {
            this.saslPort = freePort();
        }
        return this;
    }

    public synchronized EmbeddedKafkaBroker start() {
        if (server != null) {
            return this;
        }
        try {
            Files.createDirectories(dataDirectory);
            Properties properties = brokerProperties();
            KafkaConfig config = new KafkaConfig(properties, false);
            formatIfNeeded(config);
            server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            awaitListening(Duration.ofSeconds(60));
            return this;
        } catch (Exception e) {
            stop();
            throw new IllegalStateException("Embedded Kafka broker did not start on " + HOST + ":" + port
                    + " with data in " + dataDirectory + ": " + e.getMessage(), e);
        }
    }

    /** Stops the broker cleanly (controlled shutdown), keeping its data directory. */
    public synchronized void stop() {
        if (server != null) {
            KafkaRaftServer running = server;
            server = null;
            running.shutdown();
            running.awaitShutdown();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Stops the broker and deletes its data directory. */
    public void stopAndDeleteData() {
        stop();
        deleteRecursively(dataDirectory);
    }

    public boolean isRunning() {
        return server != null;
    }

    public int port() {
        return port;
    }

    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    /** The SASL_PLAINTEXT (PLAIN) listener's address; only after {@link #withSaslPlain}. */
    public String saslBootstrapServers() {
        if (saslPort < 0) {
            throw new IllegalStateException("no SASL listener: call withSaslPlain(users) before start()");
        }
        return HOST + ":" + saslPort;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    private Properties brokerProperties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        String sasl = saslPort < 0 ? "" : ",SASL_PLAINTEXT://" + HOST + ":" + saslPort;
        p.put("listeners", "PLAINTEXT://" + HOST + ":" + port + sasl + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port + sasl);
        if (saslPort >= 0) {
            // The broker side of PLAIN: one user_NAME="password" option per accepted user.
            StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
            saslUsers.forEach((user, password) -> jaas.append(" user_").append(user).append("=\"").append(password)
                    .append('"'));
            p.put("sasl.enabled.mechanisms", "PLAIN");
            p.put("listener.name.sasl_plaintext.sasl.enabled.mechanisms", "PLAIN");
            p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas.append(';').toString());
        }
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT");
        p.put("log.dirs", dataDirectory.toString());
        p.put("metadata.log.dir", dataDirectory.toString());
        // A single node: every internal topic has one replica.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "true");
        p.put("message.max.bytes", String.valueOf(4 * 1024 * 1024));
        p.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
        p.putAll(extraConfig);
        return p;
    }

    private void formatIfNeeded(KafkaConfig config) throws Exception {
        if (Files.exists(dataDirectory.resolve("meta.properties"))) {
            return;
        }
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .addDirectory(dataDirectory.toString())
                .setMetadataLogDirectory(dataDirectory.toString())
                .setControllerListenerName("CONTROLLER")
                .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setIgnoreFormatted(true)
                .run();
    }

    private void awaitListening(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(HOST, port), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("broker not listening on " + HOST + ":" + port + " after " + timeout);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 0, java.net.InetAddress.getByName(HOST))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port on " + HOST, e);
        }
    }

    /**
     * Deletes a directory and everything in it (nothing when it does not exist); also for the benchmarks' and tests'
     * other temporary folders.
     */
    public static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new IllegalStateException("could not delete " + root, e);
        }
    }

    /**
     * Runs a broker until SIGTERM/Ctrl-C: {@code --port P --data-dir DIR [--config key=value ...]
     * [--sasl-user NAME=PASSWORD ...]}. Prints {@code broker ready on 127.0.0.1:P} once clients can connect
     * (and {@code SASL_PLAINTEXT (PLAIN) on 127.0.0.1:Q} with users; passwords are never printed).
     */
    public static void main(String[] args) throws Exception {
        int port = 9092;
        Path data = Path.of("kafka-data");
        Map<String, String> extra = new HashMap<>();
        Map<String, String> users = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--data-dir" -> data = Path.of(args[++i]);
                case "--config" -> {
                    String[] kv = args[++i].split("=", 2);
                    extra.put(kv[0], kv.length > 1 ? kv[1] : "");
                }
                case "--sasl-user" -> {
                    String[] up = args[++i].split("=", 2);
                    users.put(up[0], up.length > 1 ? up[1] : "");
                }
                default -> {
                    System.err.println("usage: EmbeddedKafkaBroker [--port P] [--data-dir DIR] [--config key=value]..."
                            + " [--sasl-user NAME=PASSWORD]...");
                    System.exit(2);
                }
            }
        }
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(port, data, extra);
        if (!users.isEmpty()) {
            broker.withSaslPlain(users);
        }
        broker.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.stop();
            stopped.countDown();
        }, "broker-shutdown"));
        System.out.println("broker ready on " + broker.bootstrapServers());
        if (!users.isEmpty()) {
            System.out.println("SASL_PLAINTEXT (PLAIN) on " + broker.saslBootstrapServers() + " for users "
                    + new java.util.TreeSet<>(users.keySet()));
        }
        System.out.flush();
        stopped.await();
    }
}
