package dev.ckastream.extractor.checkpoint;

import java.util.List;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import dev.ckastream.extractor.model.LayerPoolingModel;
import dev.ckastream.extractor.tokenize.ReviewTokenizer;
import dev.ckastream.extractor.tokenize.TokenizedReview;

/**
 * One named checkpoint: its tokenizer and its layer-pooling model. Thread-safe (ONNX Runtime sessions
 * and DJL tokenizers may be used from several threads). {@link #close} waits for running inference calls:
 * freeing a native session under a running call crashes the JVM (SIGSEGV on SIGTERM mid-batch). A call
 * after close throws {@link Closed}, which is a shutdown, not a bad review.
 */
public final class Checkpoint implements AutoCloseable {

    private final String name;
    private final ReviewTokenizer tokenizer;
    private final LayerPoolingModel model;
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed; // guarded by lifecycle

    /** The checkpoint was closed (the service is stopping): the batch is left uncommitted, to be read again. */
    public static final class Closed extends IllegalStateException {
        Closed(String name) {
            super("checkpoint '" + name + "' is closed: the service is stopping");
        }
    }

    public Checkpoint(String name, ReviewTokenizer tokenizer, LayerPoolingModel model) {
        this.name = name;
        this.tokenizer = tokenizer;
        this.model = model;
    }

    public String name() {
        return name;
    }

    public TokenizedReview tokenize(String text) {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return tokenizer.encode(text);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** One float[layers × dim] per review, layer-major. */
    public float[][] pool(List<TokenizedReview> batch) {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return model.pool(batch);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    public int layers() {
        return model.layers();
    }

    public int dim() {
        return model.dim();
    }

    public String fingerprint() {
        return model.fingerprint();
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            tokenizer.close();
            model.close();
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new Closed(name);
        }
    }
}
