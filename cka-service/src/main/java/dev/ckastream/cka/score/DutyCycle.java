package dev.ckastream.cka.score;

import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

import dev.ckastream.cka.probe.ProbePacing;

/**
 * Keeps one long background task (a probe retrain, a snapshot's write) within a share of one core while reviews
 * stream: after every stretch of at least {@link #STRETCH_NANOS} of work it pauses for {@code work × (1/share − 1)},
 * where the share is asked for anew each time (1, no pause, once the stream is idle). A task of seconds would
 * otherwise take a core from the co-moment update for all that time. The pauses only delay the task; what it
 * computes or writes is the same. One instance per task, used by the thread that runs it.
 */
public final class DutyCycle implements ProbePacing {

    /** Work between two pauses: short enough that the update never loses a core for long, long enough to be cheap. */
    static final long STRETCH_NANOS = 20_000_000L;

    /** Pauses by sleeping; interrupted, it stops pausing. */
    interface Sleeper {
        void sleep(long nanos) throws InterruptedException;
    }

    private final DoubleSupplier share;
    private final LongSupplier clock;
    private final Sleeper sleeper;
    private long stretchStart;
    private long workedNanos;
    private long pausedNanos;
    private boolean interrupted;

    /** {@code share}: the share of one core the task may take now, in (0, 1]. */
    public DutyCycle(DoubleSupplier share) {
        this(share, System::nanoTime, nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000)));
    }

    DutyCycle(DoubleSupplier share, LongSupplier clock, Sleeper sleeper) {
        this.share = share;
        this.clock = clock;
        this.sleeper = sleeper;
        this.stretchStart = clock.getAsLong();
    }

    @Override
    public void stepDone() {
        long now = clock.getAsLong();
        long worked = now - stretchStart;
        if (worked < STRETCH_NANOS) {
            return;
        }
        workedNanos += worked;
        double s = share.getAsDouble();
        if (s < 1 && !interrupted) {
            long pause = (long) (worked * (1 / s - 1));
            try {
                sleeper.sleep(pause);
            } catch (InterruptedException e) {
                // Shutting down: finish without pauses and leave the flag for the caller.
                interrupted = true;
                Thread.currentThread().interrupt();
            }
            long after = clock.getAsLong();
            pausedNanos += after - now;
            now = after;
        }
        stretchStart = now;
    }

    /** Work since the last pause (or the start): what the gap before the next retrain must still make up for. */
    public long unpacedNanos() {
        return clock.getAsLong() - stretchStart;
    }

    /** Time spent working so far, pauses excluded. */
    public long workedNanos() {
        return workedNanos + unpacedNanos();
    }

    /** Time spent paused so far. */
    public long pausedNanos() {
        return pausedNanos;
    }
}
