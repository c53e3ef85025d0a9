package dev.ckastream.deploy.feed;

/** The IMDB archive could not be had: no network (the message is one line that names --reviews), or a bad download. */
public class DatasetUnavailableException extends Exception {
    private final boolean noNetwork;

    public DatasetUnavailableException(String message, boolean noNetwork, Throwable cause) {
        super(message, cause);
        this.noNetwork = noNetwork;
    }

    public boolean noNetwork() {
        return noNetwork;
    }
}
