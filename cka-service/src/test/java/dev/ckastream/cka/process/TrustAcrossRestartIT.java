package dev.ckastream.cka.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ckastream.cka.probe.ProbeSplit;
import dev.ckastream.deploy.broker.EmbeddedKafkaBroker;

/**
 * The packaged cka-service stopped and started again on the same state directory: the first score record
 * it writes to {@code cka.scores} after the restart carries the same probe accuracies, probe intervals and
 * verdicts, CKA intervals, statuses and settle estimate as the last one before, not {@code null} probe
 * accuracies until the next retrain.
 */
class TrustAcrossRestartIT {

    private static final int REVIEWS = 600;
    private static final int LAYERS = 3;
    private static final int DIM = 32;
    private static final double NOISE_AT_THRESHOLD = Math.sqrt(1 / 0.85 - 1);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    @Test
    void theProbeReportIntervalsAndSettleStateSurviveARestart() throws Exception {
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(0, work.resolve("kafka")).start()) {
            Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "CKA_STATE_DIR", work.resolve("state").toString(), "CKA_PROBE_IDLE_AFTER", "500ms",
                    "CKA_EMIT_INTERVAL", "200ms");
            ServiceProcess cka = ServiceProcess.startCka(env, work.resolve("cka.log"));
            cka.awaitReady(Duration.ofSeconds(90));
            long testReviews = produce(broker);
            JsonNode before = awaitScores(cka, s -> s.get("reviews").asLong() == REVIEWS
                    && s.get("intervals").get("reviews").asLong() == REVIEWS
                    && s.get("probe").get("testReviews").asLong() == testReviews);
            Thread.sleep(1000); // nothing left to change: the last record stays the last
            before = cka.scores();
            assertFalse(before.get("probe").get("finetuned").get(LAYERS - 1).isNull(), before.toString());
            assertEquals("settling", before.get("status").get(0).asText(), "layer 0 sits on the threshold: " + before);
            assertFalse(before.get("settled").asBoolean(), before.toString());
            assertTrue(before.get("reviewsToSettle").asLong() > 0, before.toString());
            assertEquals("better", before.get("probeVerdict").get(LAYERS - 1).asText(), before.toString());
            long scoresEnd = endOffset(broker);
            cka.stop(); // SIGTERM: the shutdown snapshot

            ServiceProcess again = ServiceProcess.startCka(env, work.resolve("cka-2.log"));
            try {
                again.awaitReady(Duration.ofSeconds(90));
                JsonNode first = firstRecordFrom(broker, scoresEnd);
                assertTrue(again.logText().contains("restored snapshot-"), again.tail());
                System.out.printf("before the restart: %s%nfirst record after: %s%n", before, first);

                assertEquals(REVIEWS, first.get("reviews").asLong(), first.toString());
                assertEquals(before.get("probe"), first.get("probe"), "probe accuracies and counts");
                for (String field : List.of("status", "probeVerdict", "probeConverged", "settled", "reviewsToSettle",
                        "cka", "ckaDebiased")) {
                    assertEquals(before.get(field), first.get(field), field);
                }
                JsonNode was = before.get("intervals"), is = first.get("intervals");
                assertEquals(REVIEWS, is.get("reviews").asLong(), "exact, not rescaled, after the restart");
                assertEquals(was.get("probe"), is.get("probe"), "Wilson intervals");
                assertEquals(was.get("probeDelta"), is.get("probeDelta"), "paired intervals");
                for (String name : List.of("ckaDiagonal", "ckaDebiasedDiagonal")) {
                    for (int layer = 0; layer < LAYERS; layer++) {
                        for (int end = 0; end < 2; end++) {
                            assertEquals(was.get(name).get(layer).get(end).asDouble(),
                                    is.get(name).get(layer).get(end).asDouble(), 1e-12, name + "[" + layer + "]");
                        }
                    }
                }
            } finally {
                again.stop();
            }
        }
    }

    /**
     * Labelled pairs: layers 1 and 2 of the second checkpoint carry the label, the first's do not; layer 0 is
     * the first's plus noise at CKA = 1/(1 + s²) = 0.85, the refined threshold, so it is still settling.
     */
    private static long produce(EmbeddedKafkaBroker broker) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("acks", "all");
        Random random = new Random(5);
        long test = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int r = 0; r < REVIEWS; r++) {
                String id = "restart-" + r;
                test += ProbeSplit.isTestReview(id) ? 1 : 0;
                int label = random.nextInt(2);
                float[] a = new float[LAYERS * DIM], b = new float[LAYERS * DIM];
                for (int k = 0; k < a.length; k++) {
                    a[k] = (float) random.nextGaussian();
                    b[k] = k < DIM ? (float) (a[k] + NOISE_AT_THRESHOLD * random.nextGaussian())
                            : (float) (0.7 * a[k] + random.nextGaussian() + (k % DIM == 0 ? 1.5 * (2 * label - 1) : 0));
                }
                producer.send(record("activations.pretrained", id, a, label, "aaaa"));
                producer.send(record("activations.finetuned", id, b, label, "bbbb"));
            }
        }
        return test;
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String id, float[] v, int label, String model) {
        RecordHeaders h = ActivationPairs.headers(LAYERS, DIM, model);
        h.add("label", Integer.toString(label).getBytes(StandardCharsets.US_ASCII));
        return new ProducerRecord<>(topic, null, id.getBytes(StandardCharsets.UTF_8), ActivationPairs.floats(v), h);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(EmbeddedKafkaBroker broker) {
        return new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrapServers()), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    private static long endOffset(EmbeddedKafkaBroker broker) {
        try (KafkaConsumer<byte[], byte[]> c = consumer(broker)) {
            TopicPartition tp = new TopicPartition("cka.scores", 0);
            return c.endOffsets(List.of(tp)).get(tp);
        }
    }

    private static JsonNode firstRecordFrom(EmbeddedKafkaBroker broker, long offset) throws Exception {
        try (KafkaConsumer<byte[], byte[]> c = consumer(broker)) {
            TopicPartition tp = new TopicPartition("cka.scores", 0);
            c.assign(List.of(tp));
            c.seek(tp, offset);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    return JSON.readTree(r.value());
                }
            }
        }
        throw new AssertionError("no score record after the restart");
    }

    private static JsonNode awaitScores(ServiceProcess cka, java.util.function.Predicate<JsonNode> done) throws Exception {
        JsonNode last = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            last = cka.scores();
            if (!last.get("intervals").isNull() && done.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("scores never complete: " + last + "\n" + cka.tail());
    }
}
