package dev.ckastream.deploy.feed;

/** A review source is missing, of an unknown kind, or malformed; the message says where. */
public class ReviewFormatException extends RuntimeException {
    public ReviewFormatException(String message) {
        super(message);
    }

    public ReviewFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
