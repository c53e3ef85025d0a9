package dev.ckastream.deploy.feed;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RatePacerTest {
    /** A clock that only moves when someone sleeps (or the test advances it). */
    static final class FakeClock implements RatePacer.Clock {
        long now = 1_000_000_000L;
        long slept;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleepNanos(long nanos) {
            now += nanos;
            slept += nanos;
        }
    }

    @Test
    void spacesEventsAtTheRate() throws InterruptedException {
        FakeClock clock = new FakeClock();
        RatePacer pacer = new RatePacer(100, clock);
        long start = clock.now;
        for (int i = 0; i < 101; i++) {
            pacer.acquire();
        }
        // event 0 at t=0, event 100 at t=1s
        assertEquals(1_000_000_000L, clock.now - start, 1_000);
    }

    @Test
    void catchesUpAtMostOneSecondAfterAStall() throws InterruptedException {
        FakeClock clock = new FakeClock();
        RatePacer pacer = new RatePacer(10, clock);
        pacer.acquire();
        clock.now += 5_000_000_000L; // the caller stalled for 5 s
        clock.slept = 0;
        for (int i = 0; i < 11; i++) {
            pacer.acquire(); // a burst worth one second: no sleeping
        }
        assertEquals(0, clock.slept);
        pacer.acquire();
        assertTrue(clock.slept > 0, "then it paces again");
    }

    @Test
    void roughlyHonouredInRealTime() throws InterruptedException {
        RatePacer pacer = new RatePacer(200);
        long start = System.nanoTime();
        int n = 0;
        while (System.nanoTime() - start < 500_000_000L) {
            pacer.acquire();
            n++;
        }
        // 0.5 s at 200/s = ~100 (+1 for the event at t=0); generous bounds against a loaded machine
        assertTrue(n >= 60 && n <= 102, "events in 0.5 s: " + n);
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new RatePacer(0));
        assertThrows(IllegalArgumentException.class, () -> new RatePacer(Double.NaN));
    }
}
