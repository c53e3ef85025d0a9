package dev.ckastream.extractor.it;

import static dev.ckastream.extractor.it.KafkaClients.FINETUNED;
import static dev.ckastream.extractor.it.KafkaClients.PRETRAINED;
import static dev.ckastream.extractor.it.KafkaClients.text;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ckastream.deploy.broker.KafkaBrokerTestResource;
import dev.ckastream.contract.Topics;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/** {@code POST /reviews}: what is accepted reaches {@code reviews} and then the activation topics; what is not, nothing. */
@QuarkusTest
@TestProfile(SmallLimitsProfile.class)
@QuarkusTestResource(KafkaBrokerTestResource.class)
class ReviewIngestTest {

    @TestHTTPResource("/reviews")
    URL reviewsUrl;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> ALL = List.of(Topics.REVIEWS, PRETRAINED, FINETUNED);
    private static final Duration NOTHING_WINDOW = Duration.ofSeconds(5);

    private static String line(String id, String text, Integer label) throws Exception {
        return JSON.writeValueAsString(KafkaClients.json(id, text, label));
    }

    private static Response post(String contentType, String body) {
        // Bytes: REST Assured has no encoder for application/x-ndjson strings.
        return given().contentType(contentType).body(body.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .when().post("/reviews");
    }

    /** Records for these ids on reviews and both activation topics, once all arrived (plus settle time). */
    private static Map<String, List<ConsumerRecord<byte[], byte[]>>> flow(KafkaClients.Watch watch, Set<String> ids) {
        List<ConsumerRecord<byte[], byte[]>> got = watch.collect(r -> ids.contains(text(r.key())),
                all -> all.stream().filter(r -> !r.topic().equals(Topics.REVIEWS)).count() >= 2L * ids.size(),
                KafkaClients.RECORD_TIMEOUT);
        return got.stream().collect(Collectors.groupingBy(r -> r.topic()));
    }

    private static void assertEachOnce(Map<String, List<ConsumerRecord<byte[], byte[]>>> byTopic, Set<String> ids) {
        for (String topic : ALL) {
            List<String> keys = byTopic.getOrDefault(topic, List.of()).stream().map(r -> text(r.key())).sorted().toList();
            assertEquals(ids.stream().sorted().toList(), keys, "each review exactly once on " + topic);
        }
    }

    @Test
    void oneJsonObject() throws Exception {
        String id = "ingest-" + KafkaClients.unique() + "-ünï";
        String body = line(id, "Posted over HTTP, and it was great.", 1);
        Map<String, List<ConsumerRecord<byte[], byte[]>>> byTopic;
        try (KafkaClients.Watch watch = KafkaClients.watch(ALL)) {
            Response response = post("application/json", body);
            assertEquals(202, response.statusCode(), response.asString());
            assertEquals(1, response.jsonPath().getInt("accepted"));
            byTopic = flow(watch, Set.of(id));
        }
        assertEachOnce(byTopic, Set.of(id));
        JsonNode produced = JSON.readTree(byTopic.get(Topics.REVIEWS).get(0).value());
        assertEquals(id, produced.get("id").asText());
        assertEquals("Posted over HTTP, and it was great.", produced.get("text").asText());
        assertEquals(1, produced.get("label").asInt());
        assertEquals("1", KafkaClients.header(byTopic.get(PRETRAINED).get(0), "label"));
    }

    @Test
    void prettyPrintedObjectIsOneReview() throws Exception {
        String id = "ingest-" + KafkaClients.unique() + "-pretty";
        String body = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(KafkaClients.json(id, "Pretty.", null));
        assertTrue(body.contains("\n"), "multi-line body");
        Map<String, List<ConsumerRecord<byte[], byte[]>>> byTopic;
        try (KafkaClients.Watch watch = KafkaClients.watch(ALL)) {
            Response response = post("application/json", body);
            assertEquals(202, response.statusCode(), response.asString());
            assertEquals(1, response.jsonPath().getInt("accepted"));
            byTopic = flow(watch, Set.of(id));
        }
        assertEachOnce(byTopic, Set.of(id));
    }

    @Test
    void jsonlOfThree() throws Exception {
        String u = KafkaClients.unique();
        List<String> ids = List.of("ingest-" + u + "-a", "ingest-" + u + "-b", "ingest-" + u + "-c");
        // CRLF line ends, a blank line and a final newline are all fine.
        String body = line(ids.get(0), "First line.", 1) + "\r\n" + line(ids.get(1), "Second line, no label.", null)
                + "\r\n\r\n" + line(ids.get(2), "Third line.", 0) + "\n";
        Map<String, List<ConsumerRecord<byte[], byte[]>>> byTopic;
        try (KafkaClients.Watch watch = KafkaClients.watch(ALL)) {
            Response response = post("application/x-ndjson", body);
            assertEquals(202, response.statusCode(), response.asString());
            assertEquals(3, response.jsonPath().getInt("accepted"), response.asString());
            byTopic = flow(watch, Set.copyOf(ids));
        }
        assertEachOnce(byTopic, Set.copyOf(ids));
    }

    @Test
    void badLineTwoRejectsTheWholeBody() throws Exception {
        String u = KafkaClients.unique();
        List<String> ids = List.of("ingest-" + u + "-1", "ingest-" + u + "-2", "ingest-" + u + "-3");
        String body = line(ids.get(0), "Fine.", 1) + "\n"
                + "{\"id\":\"" + ids.get(1) + "\",\"text\":\"Labelled in words.\",\"label\":\"positive\"}\n"
                + line(ids.get(2), "Also fine.", 0) + "\n";
        try (KafkaClients.Watch watch = KafkaClients.watch(ALL)) {
            Response response = post("application/x-ndjson", body);
            assertEquals(400, response.statusCode(), response.asString());
            String error = response.jsonPath().getString("error");
            assertTrue(error.startsWith("line 2: bad-label: "), error);
            List<ConsumerRecord<byte[], byte[]>> leaked = watch.during(NOTHING_WINDOW,
                    r -> r.key() != null && text(r.key()).startsWith("ingest-" + u));
            assertEquals(List.of(), leaked.stream().map(r -> r.topic() + "/" + text(r.key())).toList(),
                    "nothing from a rejected body is produced");
        }
    }

    @Test
    void singleInvalidObjectIsLineOne() {
        Response response = post("application/json", "{\"id\":\"ingest-x\",\"label\":1}");
        assertEquals(400, response.statusCode(), response.asString());
        assertTrue(response.jsonPath().getString("error").startsWith("line 1: missing-text: "), response.asString());
    }

    @Test
    void prettyPrintedInvalidObjectNamesItsRealReason() {
        Response response = post("application/json", "{\n  \"id\": \"ingest-y\",\n  \"label\": 1\n}\n");
        assertEquals(400, response.statusCode(), response.asString());
        assertTrue(response.jsonPath().getString("error").startsWith("line 1: missing-text: "), response.asString());
    }

    @Test
    void bodyOverTheSizeLimitIs413() throws Exception {
        String u = KafkaClients.unique();
        StringBuilder body = new StringBuilder();
        // Valid lines (text within max-chars, long ids), few of them, but over the byte limit together.
        String text = "A perfectly valid review of some length. ".repeat(4);
        assertTrue(text.length() <= SmallLimitsProfile.MAX_CHARS);
        for (int i = 0; body.length() <= SmallLimitsProfile.MAX_BODY_BYTES; i++) {
            body.append(line("ingest-" + u + "-big-" + i + "-" + "x".repeat(300), text, 1)).append('\n');
        }
        assertTrue(body.toString().lines().count() < SmallLimitsProfile.MAX_REVIEWS_PER_REQUEST,
                "too big in bytes, not in count: " + body.toString().lines().count());
        try (KafkaClients.Watch watch = KafkaClients.watch(ALL)) {
            // As curl does for large bodies: "Expect: 100-continue", so the 413 comes before the body is sent
            // (without it the server's early 413 and close can race the client still writing: broken pipe).
            HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                    .send(HttpRequest.newBuilder(reviewsUrl.toURI())
                    .expectContinue(true).header("Content-Type", "application/x-ndjson")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(413, response.statusCode(), response.body());
            assertEquals(List.of(), watch.during(NOTHING_WINDOW,
                    r -> r.key() != null && text(r.key()).startsWith("ingest-" + u)), "nothing produced");
        }
        // Just under the limit is accepted: the limit is the size, not something else about the body.
        String small = line("ingest-" + u + "-small", "Small enough.", 1);
        assertEquals(202, post("application/json", small).statusCode());
    }

    @Test
    void tooManyReviewsInOneRequestIs413() throws Exception {
        String u = KafkaClients.unique();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i <= SmallLimitsProfile.MAX_REVIEWS_PER_REQUEST; i++) {
            lines.add(line("ingest-" + u + "-n" + i, "x", null));
        }
        String body = String.join("\n", lines);
        assertTrue(body.length() < SmallLimitsProfile.MAX_BODY_BYTES);
        try (KafkaClients.Watch watch = KafkaClients.watch(ALL)) {
            Response response = post("application/x-ndjson", body);
            assertEquals(413, response.statusCode(), response.asString());
            assertTrue(response.jsonPath().getString("error").contains("max-reviews-per-request"), response.asString());
            assertEquals(List.of(), watch.during(NOTHING_WINDOW,
                    r -> r.key() != null && text(r.key()).startsWith("ingest-" + u)), "nothing produced");
        }
    }
}
