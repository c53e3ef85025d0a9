package dev.ckastream.cka.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.ckastream.deploy.broker.EmbeddedKafkaBroker;

/**
 * The broker stops for 30 s in the middle of a stream of activation pairs and starts again on the same port and
 * data: cka-service keeps running, its readiness reports the outage (503) and recovers (200) by itself, and the
 * final scores count exactly every review once and equal the offline CKA, as an uninterrupted run would.
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
            Path jar = ServiceProcess.repositoryRoot().resolve("cka-service/target/quarkus-app/quarkus-run.jar");
            try (ServiceProcess cka = new ServiceProcess(jar, env, work.resolve("cka.log")).start()) {
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

    /** ~100 pairs/s, so the stream spans the outage; sends during it wait in the producer (delivery timeout 3 min). */
    private static void produce(EmbeddedKafkaBroker broker, ActivationPairs pairs, AtomicReference<Throwable> failure) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("acks", "all");
        p.put("delivery.timeout.ms", "180000");
        p.put("request.timeout.ms", "20000");
        p.put("max.block.ms", "180000");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
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
