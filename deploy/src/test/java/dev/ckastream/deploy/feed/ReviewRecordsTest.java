package dev.ckastream.deploy.feed;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ReviewRecordsTest {
    @Test
    void keyAndValueBytesFollowTheContract() {
        Review r = new Review("train-pos-7", "Très \"bon\",\nfilm ✓<br />", 1);
        ProducerRecord<byte[], byte[]> rec = ReviewRecords.record("reviews", r);
        assertEquals("reviews", rec.topic());
        assertNull(rec.partition());
        assertArrayEquals("train-pos-7".getBytes(StandardCharsets.UTF_8), rec.key());
        String expected = "{\"id\":\"train-pos-7\",\"text\":\"Très \\\"bon\\\",\\nfilm ✓<br />\",\"label\":1}";
        assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), rec.value());
    }

    @Test
    void labelIsLeftOutWhenUnknownAndZeroIsKept() {
        assertEquals("{\"id\":\"csv-1\",\"text\":\"x\"}",
                new String(ReviewRecords.value(new Review("csv-1", "x", null)), StandardCharsets.UTF_8));
        assertEquals("{\"id\":\"n\",\"text\":\"\",\"label\":0}",
                new String(ReviewRecords.value(new Review("n", "", 0)), StandardCharsets.UTF_8));
    }
}
