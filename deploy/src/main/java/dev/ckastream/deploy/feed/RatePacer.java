package dev.ckastream.deploy.feed;

/**
 * Spaces calls to {@link #acquire()} at a steady rate (events per second). When the caller falls behind it may
 * catch up, but by at most one second's worth of events, so there is no unbounded burst after a stall.
 */
public final class RatePacer {
    public interface Clock {
        long nanoTime();

        void sleepNanos(long nanos) throws InterruptedException;
    }

    static final Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleepNanos(long nanos) throws InterruptedException {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        }
    };

    private final double intervalNanos;
    private final Clock clock;
    private double next = Double.NaN;

    public RatePacer(double perSecond) {
        this(perSecond, SYSTEM);
    }

    RatePacer(double perSecond, Clock clock) {
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("rate must be a positive number, got " + perSecond);
        }
        this.intervalNanos = 1e9 / perSecond;
        this.clock = clock;
    }

    /** Blocks until the next event is due. */
    public void acquire() throws InterruptedException {
        long now = clock.nanoTime();
        if (Double.isNaN(next)) {
            next = now;
        }
        next = Math.max(next, now - 1e9); // forget more than a second of lag
        long wait = (long) (next - now);
        if (wait > 0) {
            clock.sleepNanos(wait);
        }
        next += intervalNanos;
    }
}
