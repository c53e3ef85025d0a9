package dev.ckastream.extractor.model;

/** A checkpoint could not be loaded or failed its start-up self-check; the message names the checkpoint. */
public class ModelLoadException extends RuntimeException {
    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
