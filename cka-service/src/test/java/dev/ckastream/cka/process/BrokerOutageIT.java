package dev.ckastream.cka.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ckastream.cka.math.OfflineCka;

import dev.ckastream.deploy.broker.EmbeddedKafkaBroker;

/**
 * The broker stops for 30 s in the middle of a stream of activation pairs and starts again on the same port and
 * data: cka-service keeps running, its readiness reports the outage (503) and recovers (200) by itself, and the
 * final scores count exactly every review once and equal the offline CKA, as an uninterrupted run would. Once
 * with activation pairs fed directly to cka-service, once with the whole system (reviews through the extractor).
 */
class BrokerOutageIT {

    private static final int REVIEWS = 600;
    private static final Duration OUTAGE = Duration.ofSeconds(30);

    @TempDir
    Path work;

    @Test
    void theServiceRidesOutA30SecondBrokerOutage() throws Exception {
        ActivationPairs pairs = new ActivationPairs(REVIEWS, 4, 32, 23, "outage-");
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(0, work.resolve("kafka")).start();
        try {
            Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "CKA_STATE_DIR", work.resolve("state").toString(), "CKA_SNAPSHOT_INTERVAL", "2s");
            try (ServiceProcess cka = ServiceProcess.startCka(env, work.resolve("cka.log"))) {
                cka.awaitReady(Duration.ofSeconds(90));

                AtomicReference<Throwable> producerFailure = new AtomicReference<>();
                Thread producer = new Thread(() -> produce(broker, pairs, producerFailure), "pairs");
                producer.start();
                long before = cka.awaitReviews(n -> n >= REVIEWS / 4, Duration.ofSeconds(60));
                assertTrue(before < REVIEWS, "the outage must come mid-stream, but " + before + " were counted already");

                broker.stop();
                long outageStarted = System.nanoTime();
                List<Integer> readiness = new ArrayList<>();
                while (System.nanoTime() - outageStarted < OUTAGE.toNanos()) {
                    assertTrue(cka.isAlive(), "cka-service exited during the outage:\n" + cka.tail());
                    readiness.add(cka.status("/q/health/ready"));
                    Thread.sleep(250);
                }
                long duringOutage = cka.scores().get("reviews").asLong();
                broker.start();

                assertTrue(readiness.contains(503), "readiness never reported the outage: " + readiness + "\n"
                        + cka.tail());
                assertTrue(readiness.stream().allMatch(s -> s == 200 || s == 503),
                        "readiness answered something else than 200/503: " + readiness);
                cka.awaitReady(Duration.ofSeconds(60));
                producer.join(Duration.ofSeconds(150).toMillis());
                assertTrue(!producer.isAlive(), "the producer did not finish after the outage");
                assertEquals(null, producerFailure.get(), "the test producer failed");
                cka.awaitReviews(n -> n >= REVIEWS, Duration.ofSeconds(90));
                Thread.sleep(1500); // anything counted twice would show up now
                JsonNode scores = cka.scores();
                assertTrue(cka.isAlive());
                assertEquals(200, cka.status("/q/health/ready"));
                assertEquals(REVIEWS, scores.get("reviews").asLong(), scores.toString());
                assertEquals(0, scores.get("pending").asInt(), scores.toString());
                assertEquals(0, scores.get("deadLetters").asLong(), scores.toString());
                pairs.assertScoresMatchOffline(scores, 1e-9);
                System.out.printf("BrokerOutageIT: %d reviews counted before the outage, %d when it ended; readiness"
                        + " polls during it: %d x 503 of %d%n", before, duringOutage,
                        readiness.stream().filter(s -> s == 503).count(), readiness.size());
            }
        } finally {
            broker.stopAndDeleteData();
        }
    }

    /**
     * The same outage with the whole system: reviews through the extractor into cka-service. Both stay up, both
     * report the outage in readiness and recover; every review is counted once, every re-sent half (if the
     * extractor had to re-read) is a duplicate dead letter, and the scores equal the offline CKA of the vectors on
     * the activation topics (each review's first record per checkpoint, as the service counts them).
     */
    @Test
    void theWholeSystemRidesOutA30SecondBrokerOutage() throws Exception {
        List<ObjectNode> reviews = ShortReviews.load(50, "outage-");
        int n = reviews.size();
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(0, work.resolve("kafka")).start();
        try {
            // Snapshots at the default interval: a 13 x 384 state is large, and this test does not kill cka-service.
            Map<String, String> ckaEnv = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "CKA_STATE_DIR", work.resolve("state").toString());
            Map<String, String> extractorEnv = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "EXTRACTOR_MAX_TOKENS", "64", "MP_MESSAGING_INCOMING_REVIEWS_MAX_POLL_RECORDS", "8");
            try (ServiceProcess cka = ServiceProcess.startCka(ckaEnv, work.resolve("cka.log"));
                    ServiceProcess extractor = ServiceProcess.startExtractor(extractorEnv, work.resolve("extractor.log"))) {
                cka.awaitReady(Duration.ofSeconds(90));
                extractor.awaitReady(Duration.ofSeconds(120));

                AtomicReference<Throwable> producerFailure = new AtomicReference<>();
                Thread producer = new Thread(() -> produceReviews(broker, reviews, producerFailure), "reviews");
                producer.start();
                long before = cka.awaitReviews(c -> c >= n / 5, Duration.ofSeconds(120));
                assertTrue(before < n, "the outage must come mid-stream, but " + before + " were counted already");

                broker.stop();
                long outageStarted = System.nanoTime();
                List<Integer> ckaReadiness = new ArrayList<>();
                List<Integer> extractorReadiness = new ArrayList<>();
                while (System.nanoTime() - outageStarted < OUTAGE.toNanos()) {
                    assertTrue(cka.isAlive(), "cka-service exited during the outage:\n" + cka.tail());
                    assertTrue(extractor.isAlive(), "the extractor exited during the outage:\n" + extractor.tail());
                    ckaReadiness.add(cka.status("/q/health/ready"));
                    extractorReadiness.add(extractor.status("/q/health/ready"));
                    Thread.sleep(250);
                }
                broker.start();

                assertTrue(ckaReadiness.contains(503), "cka readiness never reported the outage: " + ckaReadiness);
                assertTrue(extractorReadiness.contains(503), "extractor readiness never reported the outage: "
                        + extractorReadiness + "\n" + extractor.tail());
                cka.awaitReady(Duration.ofSeconds(60));
                extractor.awaitReady(Duration.ofSeconds(60));
                producer.join(Duration.ofSeconds(150).toMillis());
                assertTrue(!producer.isAlive(), "the producer did not finish after the outage");
                assertEquals(null, producerFailure.get(), "the test producer failed");
                cka.awaitReviews(c -> c >= n, Duration.ofSeconds(180));
                Thread.sleep(2000); // anything counted twice would show up now

                Properties client = KafkaTopics.client(broker.bootstrapServers(), Map.of());
                List<ConsumerRecord<byte[], byte[]>> pretrained = KafkaTopics.readAll(client, "activations.pretrained");
                List<ConsumerRecord<byte[], byte[]>> finetuned = KafkaTopics.readAll(client, "activations.finetuned");
                long resent = (pretrained.size() - n) + (finetuned.size() - n);
                JsonNode scores = cka.scores();
                assertEquals(n, scores.get("reviews").asLong(), scores.toString());
                assertEquals(0, scores.get("pending").asInt(), scores.toString());
                assertEquals(resent, scores.get("deadLetters").asLong(), "only re-sent halves are dead letters: "
                        + scores);
                assertEquals(List.of(), KafkaTopics.readAll(client, "reviews.dlq"), "no review was dead-lettered");
                assertEquals(200, cka.status("/q/health/ready"));
                assertEquals(200, extractor.status("/q/health/ready"));

                Map<String, float[]> first = firstVectors(pretrained);
                Map<String, float[]> second = firstVectors(finetuned);
                assertEquals(n, first.size());
                assertEquals(first.keySet(), second.keySet());
                List<String> ids = first.keySet().stream().sorted().toList();
                int layers = Integer.parseInt(KafkaTopics.header(pretrained.get(0), "layers"));
                int dim = Integer.parseInt(KafkaTopics.header(pretrained.get(0), "dim"));
                for (int i = 0; i < layers; i++) {
                    double[][] x = layer(ids, first, i, dim);
                    for (int j = 0; j < layers; j++) {
                        double[][] y = layer(ids, second, j, dim);
                        assertEquals(OfflineCka.linearCka(x, y), scores.get("cka").get(i).get(j).asDouble(), 1e-7,
                                "cka[" + i + "][" + j + "]");
                        assertEquals(OfflineCka.debiasedCka(x, y), scores.get("ckaDebiased").get(i).get(j).asDouble(),
                                1e-7, "ckaDebiased[" + i + "][" + j + "]");
                    }
                }
                System.out.printf("BrokerOutageIT (whole system): %d of %d counted before the outage; readiness 503"
                        + " in %d/%d (cka) and %d/%d (extractor) polls; %d re-sent halves%n", before, n,
                        ckaReadiness.stream().filter(s -> s == 503).count(), ckaReadiness.size(),
                        extractorReadiness.stream().filter(s -> s == 503).count(), extractorReadiness.size(), resent);
            }
        } finally {
            broker.stopAndDeleteData();
        }
    }

    /** Each review's first vector on the topic, in offset order: the one the service counted. */
    private static Map<String, float[]> firstVectors(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, float[]> out = new java.util.HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            out.computeIfAbsent(KafkaTopics.text(r.key()), id -> {
                float[] v = new float[r.value().length / 4];
                ByteBuffer.wrap(r.value()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
                return v;
            });
        }
        return out;
    }

    private static double[][] layer(List<String> ids, Map<String, float[]> vectors, int layer, int dim) {
        double[][] x = new double[ids.size()][dim];
        for (int r = 0; r < ids.size(); r++) {
            float[] v = vectors.get(ids.get(r));
            for (int d = 0; d < dim; d++) {
                x[r][d] = v[layer * dim + d];
            }
        }
        return x;
    }

    private static void produceReviews(EmbeddedKafkaBroker broker, List<ObjectNode> reviews,
            AtomicReference<Throwable> failure) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(patientProducer(broker),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < reviews.size(); i++) {
                ObjectNode review = reviews.get(i);
                producer.send(new ProducerRecord<>("reviews", review.get("id").asText().getBytes(StandardCharsets.UTF_8),
                        ShortReviews.bytes(review)), (m, e) -> fail(failure, e));
                if (i % 5 == 4) {
                    Thread.sleep(250);
                }
            }
            producer.flush();
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }

    private static Properties patientProducer(EmbeddedKafkaBroker broker) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("acks", "all");
        p.put("delivery.timeout.ms", "180000");
        p.put("request.timeout.ms", "20000");
        p.put("max.block.ms", "180000");
        return p;
    }

    /** ~100 pairs/s, so the stream spans the outage; sends during it wait in the producer (delivery timeout 3 min). */
    private static void produce(EmbeddedKafkaBroker broker, ActivationPairs pairs, AtomicReference<Throwable> failure) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(patientProducer(broker), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int r = 0; r < pairs.size(); r++) {
                producer.send(pairs.record(r, 0), (m, e) -> fail(failure, e));
                producer.send(pairs.record(r, 1), (m, e) -> fail(failure, e));
                if (r % 20 == 19) {
                    Thread.sleep(200);
                }
            }
            producer.flush();
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }

    private static void fail(AtomicReference<Throwable> failure, Exception e) {
        if (e != null) {
            failure.compareAndSet(null, e);
        }
    }
}
