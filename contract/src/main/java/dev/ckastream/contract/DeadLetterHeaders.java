package dev.ckastream.contract;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Headers of a dead letter on {@code reviews.dlq} and {@code activations.dlq} (UTF-8). Both carry
 * {@link #ERROR} and {@link #ERROR_REASON} and {@link #SOURCE_TOPIC}; {@code reviews.dlq} also the source
 * partition and offset. An {@code activations.dlq} record keeps the original headers besides these.
 */
public final class DeadLetterHeaders {

    /** {@code <reason code>: <detail>}, see {@link #error}. */
    public static final String ERROR = "error";
    /** The reason code alone: a {@link ReviewRejection} or {@link ActivationRejection} code. */
    public static final String ERROR_REASON = "error.reason";
    public static final String SOURCE_TOPIC = "source.topic";
    public static final String SOURCE_PARTITION = "source.partition";
    public static final String SOURCE_OFFSET = "source.offset";

    private DeadLetterHeaders() {
    }

    /** The {@link #ERROR} header's text: the code first, so that a reader can split it without a parser. */
    public static String error(String code, String detail) {
        return code + ": " + detail;
    }

    /**
     * The headers of a dead letter: the {@code original} ones (an activation record's; null for a review)
     * without any earlier {@link #ERROR}/{@link #ERROR_REASON}, then {@link #ERROR}, {@link #ERROR_REASON},
     * {@link #SOURCE_TOPIC}, and, when {@code offset} ≥ 0, {@link #SOURCE_PARTITION} and {@link #SOURCE_OFFSET}.
     */
    public static Headers of(Headers original, String code, String detail, String sourceTopic, int partition,
            long offset) {
        RecordHeaders headers = new RecordHeaders();
        if (original != null) {
            for (Header h : original) {
                if (!h.key().equals(ERROR) && !h.key().equals(ERROR_REASON)) {
                    headers.add(h);
                }
            }
        }
        headers.add(ERROR, utf8(error(code, detail)));
        headers.add(ERROR_REASON, utf8(code));
        headers.add(SOURCE_TOPIC, utf8(sourceTopic));
        if (offset >= 0) {
            headers.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
            headers.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        }
        return headers;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
