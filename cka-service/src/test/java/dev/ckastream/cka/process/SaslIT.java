package dev.ckastream.cka.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.ckastream.deploy.broker.EmbeddedKafkaBroker;

/**
 * Kafka security settings pass through configuration: cka-service (consumer, dead-letter and score producers,
 * the Admin client that creates {@code cka.scores}) and the review feeder talk to a SASL_PLAINTEXT/PLAIN
 * listener with {@code KAFKA_SECURITY_PROTOCOL}, {@code KAFKA_SASL_MECHANISM}, {@code KAFKA_SASL_JAAS_CONFIG}
 * and {@code --producer-property}; the password appears in no log.
 */
class SaslIT {

    private static final int REVIEWS = 40;

    @TempDir
    Path work;

    @Test
    void theServiceAndTheFeederWorkThroughSaslPlainWithoutLoggingThePassword() throws Exception {
        String password = "pw-" + UUID.randomUUID();
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" password=\""
                + password + "\";";
        Map<String, String> security = Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", jaas);
        ActivationPairs pairs = new ActivationPairs(REVIEWS, 3, 16, 5, "sasl-");
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(0, work.resolve("kafka"))
                .withSaslPlain(Map.of("alice", password)).start()) {
            String bootstrap = broker.saslBootstrapServers();
            Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap,
                    "KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM", "PLAIN",
                    "KAFKA_SASL_JAAS_CONFIG", jaas, "CKA_STATE_DIR", work.resolve("state").toString(),
                    "CKA_EMIT_EVERY", "10");
            Path log = work.resolve("cka.log");
            try (ServiceProcess cka = ServiceProcess.startCka(env, log)) {
                cka.awaitReady(Duration.ofSeconds(90));

                Properties client = KafkaTopics.client(bootstrap, security);
                client.put("acks", "all");
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(client, new ByteArraySerializer(),
                        new ByteArraySerializer())) {
                    for (int r = 0; r < REVIEWS; r++) {
                        producer.send(pairs.record(r, 0));
                        producer.send(pairs.record(r, 1));
                    }
                    producer.flush();
                }
                cka.awaitReviews(n -> n >= REVIEWS, Duration.ofSeconds(60));
                JsonNode scores = cka.scores();
                assertEquals(REVIEWS, scores.get("reviews").asLong(), scores.toString());
                pairs.assertScoresMatchOffline(scores, 1e-9);

                // cka.scores was created compacted by the service's Admin client, over SASL, and carries scores.
                try (Admin admin = Admin.create(KafkaTopics.client(bootstrap, security))) {
                    Config config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC,
                            "cka.scores"))).all().get(15, TimeUnit.SECONDS).values().iterator().next();
                    assertEquals("compact", config.get("cleanup.policy").value(), cka.tail());
                }
                assertTrue(cka.logText().contains("created compacted topic cka.scores"), cka.tail());
                long emitted = awaitNonEmpty(() -> KafkaTopics.readAll(KafkaTopics.client(bootstrap, security),
                        "cka.scores").size(), cka);
                assertTrue(emitted > 0);

                // The feeder produces through the same listener with --producer-property security settings.
                Path reviews = work.resolve("reviews.jsonl");
                List<String> lines = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    lines.add("{\"id\":\"fed-" + i + "\",\"text\":\"Fed through SASL, review " + i + ".\",\"label\":"
                            + (i % 2) + "}");
                }
                Files.write(reviews, lines, StandardCharsets.UTF_8);
                Path feederLog = work.resolve("feeder.log");
                int exit = feed(bootstrap, reviews, jaas, feederLog);
                String feederOutput = Files.readString(feederLog, StandardCharsets.UTF_8);
                assertEquals(0, exit, feederOutput);
                Set<String> fed = KafkaTopics.readAll(KafkaTopics.client(bootstrap, security), "reviews").stream()
                        .map(r -> KafkaTopics.text(r.key())).collect(Collectors.toSet());
                assertEquals(Set.of("fed-0", "fed-1", "fed-2", "fed-3", "fed-4"), fed);
                assertFalse(feederOutput.contains(password), "the feeder printed the password:\n" + feederOutput);

                cka.stop();
                String text = cka.logText();
                assertFalse(text.contains(password), "the password is in the service's log:\n" + text);
                assertFalse(text.contains("SaslAuthenticationException"), cka.tail());
            }
        }
    }

    /**
     * Every client of the whole system through SASL: the feeder produces reviews, the extractor consumes them and
     * produces activations, cka-service counts them; neither service logs the password.
     */
    @Test
    void theWholeSystemWorksThroughSaslPlain() throws Exception {
        String password = "pw-" + UUID.randomUUID();
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" password=\""
                + password + "\";";
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(0, work.resolve("kafka"))
                .withSaslPlain(Map.of("alice", password)).start()) {
            String bootstrap = broker.saslBootstrapServers();
            Map<String, String> security = Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap,
                    "KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM", "PLAIN",
                    "KAFKA_SASL_JAAS_CONFIG", jaas);
            Map<String, String> ckaEnv = new java.util.HashMap<>(security);
            ckaEnv.put("CKA_STATE_DIR", work.resolve("state").toString());
            Map<String, String> extractorEnv = new java.util.HashMap<>(security);
            extractorEnv.put("EXTRACTOR_MAX_TOKENS", "32");
            try (ServiceProcess cka = ServiceProcess.startCka(ckaEnv, work.resolve("cka.log"));
                    ServiceProcess extractor = ServiceProcess.startExtractor(extractorEnv, work.resolve("extractor.log"))) {
                cka.awaitReady(Duration.ofSeconds(90));
                extractor.awaitReady(Duration.ofSeconds(120));
                Path reviews = work.resolve("reviews.jsonl");
                List<String> lines = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    lines.add("{\"id\":\"sasl-review-" + i + "\",\"text\":\"Through SASL end to end, review " + i
                            + ", " + (i % 2 == 0 ? "a fine film." : "a poor film.") + "\",\"label\":" + (i % 2) + "}");
                }
                Files.write(reviews, lines, StandardCharsets.UTF_8);
                Path feederLog = work.resolve("feeder.log");
                int exit = feed(bootstrap, reviews, jaas, feederLog);
                assertEquals(0, exit, Files.readString(feederLog, StandardCharsets.UTF_8));
                cka.awaitReviews(n -> n >= lines.size(), Duration.ofSeconds(90));
                Thread.sleep(1000);
                assertEquals(lines.size(), cka.scores().get("reviews").asLong());
                extractor.stop();
                cka.stop();
                for (ServiceProcess service : List.of(cka, extractor)) {
                    assertFalse(service.logText().contains(password), "the password is in a log:\n" + service.logText());
                }
                assertFalse(Files.readString(feederLog, StandardCharsets.UTF_8).contains(password));
            }
        }
    }

    private static long awaitNonEmpty(java.util.function.LongSupplier count, ServiceProcess cka) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            long n = count.getAsLong();
            if (n > 0) {
                return n;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("nothing on cka.scores:\n" + cka.tail());
    }

    /** Runs the packaged review feeder (deploy's jar and its copied dependencies) against the SASL listener. */
    private static int feed(String bootstrap, Path reviews, String jaas, Path log) throws Exception {
        Path deploy = ServiceProcess.repositoryRoot().resolve("deploy/target");
        String classpath = deploy.resolve("ckastream-deploy-0.1.0-SNAPSHOT.jar") + java.io.File.pathSeparator
                + deploy.resolve("lib") + "/*";
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                classpath, "dev.ckastream.deploy.feed.ReviewFeeder", "--reviews", reviews.toString(),
                "--bootstrap-servers", bootstrap, "--topic", "reviews", "--progress", "off",
                "--producer-property", "security.protocol=SASL_PLAINTEXT",
                "--producer-property", "sasl.mechanism=PLAIN",
                "--producer-property", "sasl.jaas.config=" + jaas);
        Process feeder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
        if (!feeder.waitFor(60, TimeUnit.SECONDS)) {
            feeder.destroyForcibly();
            throw new AssertionError("the feeder did not finish in 60 s:\n" + Files.readString(log));
        }
        return feeder.exitValue();
    }
}
