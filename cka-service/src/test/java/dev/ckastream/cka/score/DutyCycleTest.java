package dev.ckastream.cka.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class DutyCycleTest {

    private static final long MS = 1_000_000L;

    /** A clock that only moves when told to, and a sleeper that moves it by what it is asked. */
    private final AtomicLong now = new AtomicLong(1_000 * MS);
    private final List<Long> pauses = new ArrayList<>();

    private DutyCycle cycle(double share) {
        return new DutyCycle(() -> share, now::get, nanos -> {
            pauses.add(nanos);
            now.addAndGet(nanos);
        });
    }

    @Test
    void whileStreamingEveryStretchOfWorkIsFollowedByAPauseThatKeepsTheShare() {
        DutyCycle c = cycle(0.25);
        for (int step = 0; step < 100; step++) {
            now.addAndGet(3 * MS); // a step of 3 ms of work
            c.stepDone();
        }
        // 300 ms of work in stretches of at least 20 ms, each followed by 3 × its length.
        assertEquals(300 * MS, c.workedNanos());
        long paused = pauses.stream().mapToLong(Long::longValue).sum();
        assertEquals(paused, c.pausedNanos());
        assertTrue(pauses.stream().allMatch(p -> p >= 3 * DutyCycle.STRETCH_NANOS), pauses::toString);
        // Everything but the last, unpaced stretch is made up for exactly.
        assertEquals(3 * (c.workedNanos() - c.unpacedNanos()), paused);
        assertTrue(c.unpacedNanos() < DutyCycle.STRETCH_NANOS);
        double share = c.workedNanos() / (double) (c.workedNanos() + paused);
        assertTrue(share > 0.25 && share < 0.27, "share of the core " + share);
    }

    @Test
    void stepsShorterThanAStretchDoNotPause() {
        DutyCycle c = cycle(0.1);
        now.addAndGet(19 * MS);
        c.stepDone();
        assertTrue(pauses.isEmpty());
        now.addAndGet(2 * MS);
        c.stepDone();
        assertEquals(List.of((long) (21 * MS * 9.0)), pauses);
        assertEquals(0, c.unpacedNanos());
    }

    @Test
    void anIdleStreamRunsAtFullSpeed() {
        DutyCycle c = cycle(1.0);
        for (int step = 0; step < 50; step++) {
            now.addAndGet(5 * MS);
            c.stepDone();
        }
        assertTrue(pauses.isEmpty());
        assertEquals(0, c.pausedNanos());
        assertEquals(250 * MS, c.workedNanos());
    }

    @Test
    void anInterruptStopsThePausesAndKeepsTheFlag() {
        List<Long> asked = new ArrayList<>();
        DutyCycle c = new DutyCycle(() -> 0.5, now::get, nanos -> {
            asked.add(nanos);
            throw new InterruptedException();
        });
        try {
            now.addAndGet(30 * MS);
            c.stepDone();
            now.addAndGet(30 * MS);
            c.stepDone();
            assertEquals(1, asked.size(), "no pause is asked for after the interrupt");
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
    }
}
