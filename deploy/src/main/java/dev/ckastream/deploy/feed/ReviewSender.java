package dev.ckastream.deploy.feed;

import dev.ckastream.contract.Review;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.util.Iterator;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends reviews to a topic, at most {@code maxInFlight} unacknowledged at a time (so memory stays flat however
 * fast the source reads), optionally paced by a {@link RatePacer}. Stops at the first failed send.
 */
public final class ReviewSender {
    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final int maxInFlight;
    private final Semaphore inFlight;
    private final RatePacer pacer;
    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private volatile boolean stopRequested;

    public ReviewSender(Producer<byte[], byte[]> producer, String topic, int maxInFlight, RatePacer pacer) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("--max-in-flight must be at least 1");
        }
        this.producer = producer;
        this.topic = topic;
        this.maxInFlight = maxInFlight;
        this.inFlight = new Semaphore(maxInFlight);
        this.pacer = pacer;
    }

    /** Reviews the broker acknowledged ("sent"). */
    public long acked() {
        return acked.get();
    }

    /** The first failure, or null. */
    public Exception failure() {
        return failure.get();
    }

    /** Asks {@link #send} to stop taking new reviews (e.g. on Ctrl-C); what was handed over is still flushed. */
    public void stop() {
        stopRequested = true;
    }

    /**
     * Sends every review, then flushes and waits for all acknowledgements.
     *
     * @return true when every review was acknowledged, false on a failure ({@link #failure()}) or a stop
     */
    public boolean send(Iterator<Review> reviews) throws InterruptedException {
        try {
            while (!stopRequested && failure.get() == null && reviews.hasNext()) {
                Review review = reviews.next();
                if (pacer != null) {
                    pacer.acquire();
                }
                inFlight.acquire();
                if (failure.get() != null) {
                    inFlight.release();
                    break;
                }
                submitted.incrementAndGet();
                try {
                    producer.send(new ProducerRecord<>(topic, review.keyBytes(), review.toJsonBytes()), (metadata, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                        } else {
                            acked.incrementAndGet();
                        }
                        inFlight.release();
                    });
                } catch (RuntimeException e) { // synchronous failures (closed producer, fatal errors, ...)
                    failure.compareAndSet(null, e);
                    inFlight.release();
                }
            }
        } finally {
            try {
                producer.flush();
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            }
        }
        // flush() returns once every callback ran; make sure of it without waiting forever
        if (inFlight.tryAcquire(maxInFlight, 30, TimeUnit.SECONDS)) {
            inFlight.release(maxInFlight);
        }
        return failure.get() == null && !stopRequested && acked.get() == submitted.get();
    }
}
