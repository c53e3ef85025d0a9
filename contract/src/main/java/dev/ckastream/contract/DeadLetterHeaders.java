package dev.ckastream.contract;

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
}
