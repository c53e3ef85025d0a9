package dev.ckastream.cka.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ckastream.cka.math.OfflineCka;
import dev.ckastream.contract.ActivationRecord;
import dev.ckastream.deploy.broker.EmbeddedKafkaBroker;

/**
 * A training run as a user runs it, both packaged services on a real broker: a real trajectory of three checkpoints
 * (bge-small-en, the checkpoint halfway to bge-small-en-v1.5 made by interpolating every weight, and bge-small-en-v1.5;
 * written by the extractor's own {@code InterpolatedTrajectory}, as {@code deploy/make-trajectory} does) in one
 * extractor, one cka-service comparing the base with each later checkpoint, held-out IMDB reviews. Every pair's final
 * scores must equal the offline CKA over the vectors on the activation topics within 1e-6.
 */
class TrainingTrajectoryIT {

    private static final List<String> CHECKPOINTS = List.of("t000", "t050", "t100");

    @TempDir
    Path work;

    @Test
    void everyPairOfARealTrajectoryEqualsTheOfflineCka() throws Exception {
        Path trajectory = work.resolve("trajectory");
        writeTrajectory(trajectory);
        List<ObjectNode> reviews = ShortReviews.load(12, "trajectory-");
        int n = reviews.size();
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(0, work.resolve("kafka")).start()) {
            Map<String, String> extractorEnv = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "EXTRACTOR_MAX_TOKENS", "64"));
            for (int i = 0; i < CHECKPOINTS.size(); i++) {
                Path dir = trajectory.resolve(CHECKPOINTS.get(i));
                extractorEnv.put("EXTRACTOR_CHECKPOINTS_" + i + "__NAME", CHECKPOINTS.get(i));
                extractorEnv.put("EXTRACTOR_CHECKPOINTS_" + i + "__MODEL", dir.resolve("model.onnx").toString());
                extractorEnv.put("EXTRACTOR_CHECKPOINTS_" + i + "__TOKENIZER", dir.resolve("tokenizer.json").toString());
            }
            Map<String, String> ckaEnv = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "CKA_STATE_DIR", work.resolve("state").toString(), "CKA_CHECKPOINTS", String.join(",", CHECKPOINTS));
            try (ServiceProcess cka = ServiceProcess.startCka(ckaEnv, work.resolve("cka.log"));
                    ServiceProcess extractor = ServiceProcess.startExtractor(extractorEnv, work.resolve("extractor.log"))) {
                cka.awaitReady(Duration.ofSeconds(90));
                extractor.awaitReady(Duration.ofSeconds(180));
                produce(broker, reviews);
                Map<String, JsonNode> scores = cka.awaitPairs(n, Duration.ofSeconds(300));

                Map<String, Map<String, ActivationRecord>> topics = new LinkedHashMap<>();
                for (String checkpoint : CHECKPOINTS) {
                    topics.put(checkpoint, readAll(broker, "activations." + checkpoint, n));
                }
                List<String> ids = new ArrayList<>(topics.get("t000").keySet());
                for (String later : CHECKPOINTS.subList(1, CHECKPOINTS.size())) {
                    JsonNode s = scores.get("t000~" + later);
                    assertEquals(0, s.get("deadLetters").asLong(), later);
                    int layers = s.get("layers").asInt();
                    assertEquals(13, layers, "bge-small: the embeddings and 12 blocks");
                    double worst = 0;
                    for (int i = 0; i < layers; i++) {
                        for (int j = 0; j < layers; j++) {
                            double[][] x = layer(topics.get("t000"), ids, i);
                            double[][] y = layer(topics.get(later), ids, j);
                            double linear = OfflineCka.linearCka(x, y);
                            double debiased = OfflineCka.debiasedCka(x, y);
                            assertEquals(linear, s.get("cka").get(i).get(j).asDouble(), 1e-6, later + " cka " + i + "," + j);
                            assertEquals(debiased, s.get("ckaDebiased").get(i).get(j).asDouble(), 1e-6,
                                    later + " debiased " + i + "," + j);
                            worst = Math.max(worst, Math.abs(linear - s.get("cka").get(i).get(j).asDouble()));
                        }
                    }
                    StringBuilder diagonal = new StringBuilder();
                    for (int l = 0; l < layers; l++) {
                        diagonal.append(String.format(" %.3f", s.get("ckaDebiased").get(l).get(l).asDouble()));
                    }
                    System.out.printf("TrainingTrajectoryIT: t000~%s over %d reviews, largest difference from offline %.1e;"
                            + " debiased diagonal%s%n", later, n, worst, diagonal);
                }
            }
        }
    }

    /** The extractor's own trajectory writer, from the packaged extractor's classes and its bundled bge jars. */
    private void writeTrajectory(Path out) throws IOException, InterruptedException {
        Path app = ServiceProcess.extractorJar().getParent();
        String classpath = app.resolve("app") + "/*:" + app.resolve("lib/main") + "/*";
        Process p = new ProcessBuilder("java", "-cp", classpath, "dev.ckastream.extractor.trajectory.InterpolatedTrajectory",
                out.toString(), "--steps", "0,0.5,1").redirectErrorStream(true)
                .redirectOutput(work.resolve("make-trajectory.log").toFile()).start();
        int exit = p.waitFor();
        assertEquals(0, exit, Files.readString(work.resolve("make-trajectory.log")));
        for (String checkpoint : CHECKPOINTS) {
            assertTrue(Files.isRegularFile(out.resolve(checkpoint).resolve("model.onnx")),
                    Files.readString(work.resolve("make-trajectory.log")));
        }
    }

    private static void produce(EmbeddedKafkaBroker broker, List<ObjectNode> reviews) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("acks", "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (ObjectNode review : reviews) {
                producer.send(new ProducerRecord<>("reviews", review.get("id").asText().getBytes(StandardCharsets.UTF_8),
                        ShortReviews.bytes(review)));
            }
            producer.flush();
        }
    }


    /** Every record of an activation topic, by review id (the extractor publishes each review once here). */
    private static Map<String, ActivationRecord> readAll(EmbeddedKafkaBroker broker, String topic, int expected)
            throws Exception {
        Map<String, Object> c = Map.of("bootstrap.servers", broker.bootstrapServers(), "group.id",
                "trajectory-check-" + UUID.randomUUID(), "auto.offset.reset", "earliest");
        Map<String, ActivationRecord> byId = new LinkedHashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (byId.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    ActivationRecord a = ActivationRecord.decode(r.key(), r.value(), r.headers());
                    byId.put(a.reviewId(), a);
                }
            }
        }
        assertEquals(expected, byId.size(), topic);
        return byId;
    }

    private static double[][] layer(Map<String, ActivationRecord> records, List<String> ids, int layer) {
        int dim = records.get(ids.get(0)).dim();
        double[][] x = new double[ids.size()][dim];
        for (int r = 0; r < ids.size(); r++) {
            float[] pooled = records.get(ids.get(r)).pooled();
            for (int d = 0; d < dim; d++) {
                x[r][d] = pooled[layer * dim + d];
            }
        }
        return x;
    }
}
