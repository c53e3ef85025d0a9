package dev.ckastream.deploy.feed;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The wire contract of the {@code reviews} topic: key = review id (UTF-8),
 * value = {@code {"id": string, "text": string, "label": 0|1}} as UTF-8 JSON, {@code label} left out when unknown.
 */
public final class ReviewRecords {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ReviewRecords() {
    }

    public static byte[] key(Review review) {
        return review.id().getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] value(Review review) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", review.id());
        json.put("text", review.text());
        if (review.label() != null) {
            json.put("label", review.label());
        }
        try {
            return MAPPER.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise review " + review.id(), e);
        }
    }

    public static ProducerRecord<byte[], byte[]> record(String topic, Review review) {
        return new ProducerRecord<>(topic, key(review), value(review));
    }
}
