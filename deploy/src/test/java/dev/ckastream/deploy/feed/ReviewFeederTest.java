package dev.ckastream.deploy.feed;

import dev.ckastream.contract.Review;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReviewFeederTest {
    @TempDir
    Path tmp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final List<Properties> producerConfigs = new ArrayList<>();
    private MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());

    private int run(String... args) {
        ReviewFeeder feeder = new ReviewFeeder(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), props -> {
                    producerConfigs.add(props);
                    if (producer.closed()) { // one producer per run, as in production
                        producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                                new ByteArraySerializer());
                    }
                    return producer;
                });
        return feeder.run(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private Path csv() throws IOException {
        StringBuilder sb = new StringBuilder("review,sentiment\n");
        for (int i = 0; i < 10; i++) {
            sb.append("\"Review ").append(i).append(", \"\"quoted\"\"\",").append(i < 7 ? "positive" : "negative")
                    .append('\n');
        }
        return Files.writeString(tmp.resolve("reviews.csv"), sb.toString());
    }

    @Test
    void helpListsEveryOption() {
        assertEquals(0, run("--help"));
        for (String option : List.of("--reviews", "--limit", "--balanced", "--shuffle", "--seed", "--rate",
                "--bootstrap-servers", "--topic", "--producer-property", "--producer-config", "--scores-url",
                "--wait-scored", "--cache-dir", "--dataset-url", "--download-only", "Exit codes")) {
            assertTrue(out().contains(option), option);
        }
        assertTrue(producerConfigs.isEmpty());
    }

    @Test
    void usageErrorsExitWith2() throws IOException {
        assertEquals(2, run("--bogus"));
        assertTrue(err().contains("unknown option --bogus"), err());
        assertEquals(2, run("--wait-scored", "--reviews", csv().toString()));
        assertEquals(2, run("--rate", "fast"));
        assertEquals(2, run("--limit"));
        assertEquals(2, run("--reviews", Files.writeString(tmp.resolve("r.txt"), "x").toString()));
        assertTrue(err().contains("cannot tell the format"), err());
        assertEquals(2, run("--reviews", tmp.resolve("missing.jsonl").toString()));
        assertTrue(producerConfigs.isEmpty());
    }

    @Test
    void sendsTheSelectionWithAcksAllAndIdempotence() throws IOException {
        assertEquals(0, run("--reviews", csv().toString(), "--balanced", "--limit", "4", "--topic", "t1",
                "--progress", "plain"), err());
        List<ProducerRecord<byte[], byte[]>> history = producer.history();
        assertEquals(List.of("csv-1", "csv-8", "csv-2", "csv-9"), history.stream()
                .map(r -> new String(r.key(), StandardCharsets.UTF_8)).collect(Collectors.toList()));
        assertTrue(history.stream().allMatch(r -> r.topic().equals("t1")));
        assertEquals("{\"id\":\"csv-8\",\"text\":\"Review 7, \\\"quoted\\\"\",\"label\":0}",
                new String(history.get(1).value(), StandardCharsets.UTF_8));
        Properties props = producerConfigs.get(0);
        assertEquals("all", props.get("acks"));
        assertEquals("true", props.get("enable.idempotence"));
        assertEquals("127.0.0.1:9092", props.get("bootstrap.servers"));
        assertTrue(out().contains("sent 4/4 | scored ?"), out());
        assertTrue(out().contains("sent 4 reviews to topic t1"), out());
    }

    @Test
    void secretsNeverReachTheOutput() throws IOException {
        Path config = Files.writeString(tmp.resolve("client.properties"),
                "security.protocol=SASL_SSL\nssl.truststore.password=trust-s3cr3t\n");
        assertEquals(0, run("--reviews", csv().toString(), "--producer-config", config.toString(),
                "--producer-property", "sasl.jaas.config=x required password=\"jaas-s3cr3t\";",
                "--producer-property", "sasl.mechanism=PLAIN", "--progress", "off"), err());
        assertEquals("jaas-s3cr3t", producerConfigs.get(0).getProperty("sasl.jaas.config").replaceAll(
                ".*password=\"([^\"]*)\".*", "$1"), "the producer does get the secret");
        assertTrue(out().contains("sasl.jaas.config=[hidden]"), out());
        assertTrue(out().contains("security.protocol=SASL_SSL"), out());
        assertFalse((out() + err()).contains("s3cr3t"), out() + err());
    }

    @Test
    void kafkaFailureExitsWith3() throws IOException {
        producer = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        producer.sendException = new TopicAuthorizationException("not authorised on reviews");
        assertEquals(3, run("--reviews", csv().toString(), "--progress", "off"));
        assertTrue(err().contains("failed after 0 reviews") && err().contains("not authorised"), err());
    }

    @Test
    void dryRunPrintsRecordValues() throws Exception {
        Path jsonl = Files.writeString(tmp.resolve("r.jsonl"),
                "{\"id\":\"a\",\"text\":\"A\",\"label\":1}\n{\"id\":\"b\",\"text\":\"B\"}\n{\"id\":\"c\",\"text\":\"C\",\"label\":0}\n");
        assertEquals(0, run("--reviews", jsonl.toString(), "--dry-run", "--shuffle", "--seed", "3"));
        List<String> lines = out().lines().collect(Collectors.toList());
        assertEquals(3, lines.size(), out());
        ObjectMapper m = new ObjectMapper();
        List<String> ids = new ArrayList<>();
        for (String l : lines) {
            JsonNode n = m.readTree(l);
            ids.add(n.get("id").asText());
        }
        assertEquals(List.of("a", "b", "c"), ids.stream().sorted().collect(Collectors.toList()));
        assertTrue(producerConfigs.isEmpty(), "nothing produced");
        String first = out();
        out.reset();
        assertEquals(0, run("--reviews", jsonl.toString(), "--dry-run", "--shuffle", "--seed", "3"));
        assertEquals(first, out(), "same seed, same order");
    }

    @Test
    void noNetworkIsOneClearLineAndExit4() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        assertEquals(4, run("--cache-dir", tmp.resolve("cache").toString(), "--dataset-url",
                "http://127.0.0.1:" + closedPort + "/aclImdb_v1.tar.gz", "--progress", "off"));
        assertEquals("feed-reviews: cannot reach 127.0.0.1 (no network?): pass --reviews PATH (JSONL, JSONL.gz, "
                + "CSV or an aclImdb folder) instead\n", err());
        assertTrue(producerConfigs.isEmpty());
    }

    @Test
    void downloadsThenFeedsAndWaitsForScores() throws Exception {
        byte[] archive = Fixtures.aclTarGz(Fixtures.smallAclImdb());
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/aclImdb_v1.tar.gz", ex -> HttpReplies.ok(ex, archive));
        server.createContext("/scores", ex -> HttpReplies.okJson(ex, "{\"reviews\": " + producer.history().size() + "}"));
        server.createContext("/stuck", ex -> HttpReplies.okJson(ex, "{\"reviews\": 1}"));
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            String[] dataset = {"--cache-dir", tmp.resolve("cache").toString(), "--dataset-url",
                    base + "/aclImdb_v1.tar.gz", "--dataset-size", String.valueOf(archive.length),
                    "--dataset-sha256", sha, "--progress", "plain"};
            assertEquals(0, run(concat(dataset, "--download-only")), err());
            assertTrue(out().contains(tmp.resolve("cache/aclImdb_v1.tar.gz").toString()), out());

            assertEquals(0, run(concat(dataset, "--scores-url", base + "/scores", "--wait-scored")), err());
            assertEquals(7, producer.history().size());
            assertTrue(out().contains("using cached"), out());

            assertEquals(6, run(concat(dataset, "--scores-url", base + "/stuck", "--wait-scored", "--wait-timeout",
                    "1")));
            assertTrue(err().contains("timed out after 1 s") && err().contains("scored 1 of 7"), err());

            assertEquals(5, run("--cache-dir", tmp.resolve("other").toString(), "--dataset-url",
                    base + "/aclImdb_v1.tar.gz", "--dataset-size", String.valueOf(archive.length),
                    "--dataset-sha256", "0".repeat(64), "--progress", "off"));
            assertTrue(err().contains("failed its checksum"), err());
        } finally {
            server.stop(0);
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = new String[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
