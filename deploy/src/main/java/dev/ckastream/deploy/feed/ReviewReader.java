package dev.ckastream.deploy.feed;

import dev.ckastream.contract.Review;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A streaming source of reviews: reads one review at a time, never the whole file.
 * I/O errors surface as {@link UncheckedIOException}, malformed input as {@link ReviewFormatException}.
 */
public abstract class ReviewReader implements Iterator<Review>, Closeable {
    private Review next;
    private boolean done;

    /** @return the next review, or {@code null} at the end of the source */
    protected abstract Review readNext() throws IOException;

    @Override
    public final boolean hasNext() {
        if (next == null && !done) {
            try {
                next = readNext();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            done = next == null;
        }
        return next != null;
    }

    @Override
    public final Review next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Review r = next;
        next = null;
        return r;
    }

    @Override
    public abstract void close() throws IOException;
}
