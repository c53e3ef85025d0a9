package dev.ckastream.cka.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ckastream.deploy.broker.EmbeddedKafkaBroker;

/**
 * The extractor killed with SIGKILL mid-stream and started again: the reviews whose offsets it had not committed
 * are processed again (at-least-once), and cka-service counts every review exactly once. Every re-sent half is
 * recognised: {@code activations.dlq} holds exactly (records on activations.pretrained − N) + (records on
 * activations.finetuned − N) dead letters, all {@code duplicate}.
 */
class SystemCrashIT {

    private static final int PER_LABEL = 60;

    @TempDir
    Path work;

    @Test
    void aKilledExtractorReprocessesAndCkaCountsEachReviewOnce() throws Exception {
        List<ObjectNode> reviews = ShortReviews.load(PER_LABEL, "crash-");
        int n = reviews.size();
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(0, work.resolve("kafka")).start()) {
            Map<String, String> ckaEnv = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "CKA_STATE_DIR", work.resolve("state").toString());
            // Small polls, so that the stream has a middle to be killed in; offsets committed every 60 s only, so
            // that the kill leaves published but uncommitted reviews behind, which must not be counted twice.
            Map<String, String> extractorEnv = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "EXTRACTOR_MAX_TOKENS", "64", "MP_MESSAGING_INCOMING_REVIEWS_MAX_POLL_RECORDS", "8",
                    "MP_MESSAGING_INCOMING_REVIEWS_AUTO_COMMIT_INTERVAL_MS", "60000",
                    // The killed consumer stays in the group until its session times out (45 s by default), and the
                    // restarted one gets no partition before that: 10 s keeps the test short.
                    "MP_MESSAGING_INCOMING_REVIEWS_SESSION_TIMEOUT_MS", "10000");
            try (ServiceProcess cka = ServiceProcess.startCka(ckaEnv, work.resolve("cka.log"));
                    ServiceProcess extractor = ServiceProcess.startExtractor(extractorEnv, work.resolve("extractor.log"))) {
                long started = System.nanoTime();
                cka.awaitReady(Duration.ofSeconds(90));
                extractor.awaitReady(Duration.ofSeconds(120));
                log(started, "both services ready");

                AtomicReference<Throwable> producerFailure = new AtomicReference<>();
                Thread producer = new Thread(() -> produce(broker, reviews, producerFailure), "reviews");
                producer.start();
                long atKill = cka.awaitReviews(c -> c >= n / 5, Duration.ofSeconds(120));
                extractor.kill();
                log(started, "extractor killed at " + atKill + " counted");
                long afterKill = cka.scores().get("reviews").asLong();
                assertTrue(atKill < n && afterKill < n, "killed too late: " + atKill + " (" + afterKill
                        + " after the kill) of " + n + " counted");
                producer.join(60_000);
                assertEquals(null, producerFailure.get(), "the test producer failed");

                try (ServiceProcess again = ServiceProcess.startExtractor(extractorEnv, work.resolve("extractor-2.log"))) {
                    again.awaitReady(Duration.ofSeconds(120));
                    log(started, "extractor ready again");
                    cka.awaitReviews(c -> c >= n, Duration.ofSeconds(180));
                    log(started, "all " + n + " counted");
                    Thread.sleep(2000); // anything counted twice would show up now

                    Properties client = KafkaTopics.client(broker.bootstrapServers(), Map.of());
                    long pretrained = KafkaTopics.readAll(client, "activations.pretrained").size();
                    long finetuned = KafkaTopics.readAll(client, "activations.finetuned").size();
                    long resent = (pretrained - n) + (finetuned - n);
                    Map<String, Long> reasons = awaitDeadLetters(client, resent, cka);
                    JsonNode scores = cka.scores();

                    assertEquals(n, scores.get("reviews").asLong(), scores.toString());
                    assertEquals(0, scores.get("pending").asInt(), scores.toString());
                    assertTrue(pretrained >= n && finetuned >= n, pretrained + " / " + finetuned + " records for " + n);
                    Map<String, Long> expected = new HashMap<>();
                    if (resent > 0) {
                        expected.put("duplicate", resent);
                    }
                    assertEquals(expected, reasons, "every re-sent half, and nothing else, is a duplicate dead letter");
                    assertEquals(resent, scores.get("deadLetters").asLong(), scores.toString());
                    assertEquals(List.of(), KafkaTopics.readAll(client, "reviews.dlq"), "no review was dead-lettered");
                    Set<String> counted = Set.copyOf(KafkaTopics.readAll(client, "activations.pretrained").stream()
                            .map(r -> KafkaTopics.text(r.key())).toList());
                    assertEquals(n, counted.size(), "every review reached activations.pretrained");
                    assertTrue(again.logText().contains("ckastream-extractor"), again.tail());
                    // Its offsets are committed every 60 s only (above): a graceful stop would wait for that.
                    again.kill();
                    System.out.printf("SystemCrashIT: killed the extractor at %d/%d counted; %d + %d activation records"
                            + " for %d reviews, %d re-sent halves dead-lettered as duplicate%n", atKill, n, pretrained,
                            finetuned, n, resent);
                }
            }
        }
    }

    private static void log(long started, String what) {
        System.out.printf("SystemCrashIT +%.1fs: %s%n", (System.nanoTime() - started) / 1e9, what);
    }

    /** The dead letters by reason, once their count reaches {@code expected} (or after 30 s). */
    private static Map<String, Long> awaitDeadLetters(Properties client, long expected, ServiceProcess cka)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Map<String, Long> reasons;
        do {
            reasons = KafkaTopics.reasons(KafkaTopics.readAll(client, "activations.dlq"));
            if (reasons.values().stream().mapToLong(Long::longValue).sum() >= expected) {
                return reasons;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        return reasons;
    }

    /** ~24 reviews/s in small bursts: the extractor is busy for several seconds. */
    private static void produce(EmbeddedKafkaBroker broker, List<ObjectNode> reviews, AtomicReference<Throwable> failure) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("acks", "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < reviews.size(); i++) {
                ObjectNode review = reviews.get(i);
                producer.send(new ProducerRecord<>("reviews", review.get("id").asText().getBytes(StandardCharsets.UTF_8),
                        ShortReviews.bytes(review)));
                if (i % 6 == 5) {
                    producer.flush();
                    Thread.sleep(250);
                }
            }
            producer.flush();
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }
}
