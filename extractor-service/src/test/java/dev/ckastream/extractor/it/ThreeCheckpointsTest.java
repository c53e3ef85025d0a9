package dev.ckastream.extractor.it;

import static dev.ckastream.extractor.it.KafkaClients.header;
import static dev.ckastream.extractor.it.KafkaClients.text;
import static dev.ckastream.extractor.it.KafkaClients.utf8;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ckastream.contract.ActivationRecord;
import dev.ckastream.contract.Topics;
import dev.ckastream.deploy.broker.KafkaBrokerTestResource;
import dev.ckastream.extractor.checkpoint.Checkpoint;
import dev.ckastream.extractor.checkpoint.Checkpoints;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * The extractor with three real checkpoints ({@link ThreeCheckpointsProfile}), against the embedded broker: one
 * record per review on each of the three topics, each the review's own pooled vector on that checkpoint; readiness
 * and metrics name all three.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@TestProfile(ThreeCheckpointsProfile.class)
class ThreeCheckpointsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> NAMES = ThreeCheckpointsProfile.CHECKPOINTS.stream().map(c -> c.get(0)).toList();
    private static final List<String> TOPICS = NAMES.stream().map(Topics::activations).toList();
    /** Hidden states tapped: the embedding output and one per block. */
    private static final Map<String, Integer> LAYERS = Map.of("pretrained", 13, "finetuned", 13, "minilm", 7);

    @Inject
    Checkpoints checkpoints;

    @Test
    void everyReviewGetsOneRecordPerCheckpointOnThreeTopics() throws Exception {
        assertEquals(NAMES, checkpoints.all().stream().map(Checkpoint::name).toList(), "configured order");
        String u = KafkaClients.unique();
        Map<String, String> texts = new LinkedHashMap<>();
        texts.put("three-" + u + "-short", "Loved it.");
        texts.put("three-" + u + "-unicode", "Ein großartiger Film — 素晴らしい演技! 🎬");
        texts.put("three-" + u + "-mid", "The plot meanders, but the cast carries it and the score is lovely.");
        texts.put("three-" + u + "-long", "A slow, handsome film whose dialogue feels wooden at times. ".repeat(60));
        List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
        for (Map.Entry<String, String> review : texts.entrySet()) {
            sent.add(KafkaClients.review(utf8(review.getKey()),
                    JSON.writeValueAsBytes(KafkaClients.json(review.getKey(), review.getValue(), 1))));
        }

        List<ConsumerRecord<byte[], byte[]>> received;
        try (KafkaClients.Watch watch = KafkaClients.watch(TOPICS)) {
            KafkaClients.send(sent);
            received = watch.collect(r -> texts.containsKey(text(r.key())),
                    got -> got.size() >= TOPICS.size() * texts.size(), KafkaClients.RECORD_TIMEOUT);
        }
        assertEquals(TOPICS.size() * texts.size(), received.size(), "three records per review, no more; got "
                + received.stream().collect(Collectors.groupingBy(ConsumerRecord::topic, Collectors.counting())));
        Map<String, List<ConsumerRecord<byte[], byte[]>>> byTopicAndId = received.stream()
                .collect(Collectors.groupingBy(r -> r.topic() + "/" + text(r.key())));

        for (Map.Entry<String, String> review : texts.entrySet()) {
            for (int c = 0; c < NAMES.size(); c++) {
                String name = NAMES.get(c);
                String where = review.getKey() + " on " + TOPICS.get(c);
                List<ConsumerRecord<byte[], byte[]>> got = byTopicAndId.getOrDefault(TOPICS.get(c) + "/" + review.getKey(),
                        List.of());
                assertEquals(1, got.size(), where);
                ConsumerRecord<byte[], byte[]> wire = got.get(0);
                ActivationRecord record = ActivationRecord.decode(wire.key(), wire.value(), wire.headers());
                Checkpoint checkpoint = checkpoints.all().get(c);
                assertEquals(LAYERS.get(name), record.layers(), where);
                assertEquals(384, record.dim(), where);
                assertEquals(KafkaClients.sha256Prefix(ThreeCheckpointsProfile.CHECKPOINTS.get(c).get(1) + ".onnx"),
                        header(wire, "model"), where);
                int tokens = checkpoint.tokenize(review.getValue()).tokens();
                assertEquals(tokens, record.tokens(), where);
                float[] alone = checkpoint.pool(List.of(checkpoint.tokenize(review.getValue())))[0];
                double diff = ExtractorEndToEndTest.maxAbsDiff(alone, record.pooled());
                assertTrue(diff <= 1e-5, "vector vs the review computed alone on " + name + ", max |diff| " + diff + ": "
                        + where);
            }
        }

        Response ready = given().when().get("/q/health/ready");
        assertEquals(200, ready.statusCode(), ready.asString());
        Map<String, Object> models = ready.jsonPath().getMap("checks.find { it.name == 'models' }.data");
        assertEquals(NAMES, List.copyOf(models.keySet()), ready.asString());
        assertEquals(KafkaClients.sha256Prefix("all-minilm-l6-v2.onnx") + " (7 x 384)", models.get("minilm"));

        String metrics = given().accept("text/plain").when().get("/q/metrics").asString();
        for (String name : NAMES) {
            Matcher tokens = Pattern.compile("^ckastream_extractor_tokens_total\\{[^}]*checkpoint=\"" + name
                    + "\"[^}]*\\} (\\S+)$", Pattern.MULTILINE).matcher(metrics);
            assertTrue(tokens.find(), "tokens counted for " + name);
            assertTrue(Double.parseDouble(tokens.group(1)) >= texts.size(), name + ": " + tokens.group());
        }
    }

}
