package dev.ckastream.cka.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class StreamPaceTest {

    private static final long MS = 1_000_000L;

    private static StreamPace pace() {
        return new StreamPace(Duration.ofSeconds(1), Duration.ofMillis(100), 0.25, 0.05, Duration.ofSeconds(1), Duration.ofSeconds(10), 0.25, 0.1);
    }

    @Test
    void behindWhenTheNewestRecordOfAPollIsOlderThanTheThreshold() {
        StreamPace pace = pace();
        assertFalse(pace.behind(), "caught up before the first poll");
        pace.polled(10_000, 10_900);
        assertFalse(pace.behind());
        pace.polled(10_000, 11_001);
        assertTrue(pace.behind());
        pace.polled(20_000, 19_000); // a producer clock ahead of ours
        assertFalse(pace.behind());
    }

    @Test
    void aDrainedBacklogCountsAsCaughtUp() {
        StreamPace pace = pace();
        pace.polled(0, 5_000);
        assertTrue(pace.behind(9_000), "while the batch is applied, however long that takes");
        pace.applied(9_000);
        assertTrue(pace.lastBatchBehind());
        assertTrue(pace.behind(9_099), "the next batch may be on its way");
        assertFalse(pace.behind(9_100), "no batch for cka.backlog.drained-after: drained");
        assertTrue(pace.lastBatchBehind(), "the last batch was behind, drained or not");
        pace.polled(9_000, 12_000);
        assertTrue(pace.behind(12_100), "a new backlog batch");
    }

    @Test
    void caughtUpEmissionsMayTakeTheIdleShare() {
        StreamPace pace = new StreamPace(Duration.ofSeconds(1), Duration.ofMillis(100), 0.25, 0.5, 0.05, Duration.ofSeconds(1),
                Duration.ofSeconds(10), 0.25, 0.1, 1024);
        assertFalse(pace.caughtUp(), "before the first poll");
        pace.polled(10_000, 10_100, 40);
        assertTrue(pace.caughtUp(), "a partial poll of fresh records");
        assertEquals(100 * MS, pace.emissionGapNanos(100 * MS), "t × (1/0.5 − 1)");
        assertEquals(1000 * MS, pace.emissionGapNanos(3000 * MS), "never later than emit-interval");
        pace.polled(10_000, 10_100, 1024);
        assertFalse(pace.caughtUp(), "a full poll: more may be waiting");
        assertEquals(300 * MS, pace.emissionGapNanos(100 * MS), "emit-max-share again");
        pace.polled(10_000, 10_300, 40);
        assertFalse(pace.caughtUp(), "its newest record older than a quarter of backlog.after");
        assertEquals(300 * MS, pace.emissionGapNanos(100 * MS));
        pace.polled(10_000, 12_000, 40);
        assertFalse(pace.caughtUp(), "behind");
        assertEquals(1900 * MS, pace.emissionGapNanos(100 * MS), "the backlog share");
    }

    @Test
    void aRetrainTakesItsShareWhileReviewsStreamAndFullSpeedOnceIdle() {
        StreamPace pace = pace();
        assertEquals(1.0, pace.retrainShare(2_000), "no batch yet: idle");
        long now = System.currentTimeMillis();
        pace.polled(now, now);
        assertEquals(0.25, pace.retrainShare(2_000), "a batch is being applied");
        pace.applied(now);
        assertEquals(0.25, pace.retrainShare(2_000), "the last batch was applied just now");
        pace.polled(now - 5_000, now);
        assertEquals(0.1, pace.retrainShare(2_000), "behind: the backlog share");
        pace.applied(now - 3_000);
        assertEquals(1.0, pace.retrainShare(2_000), "no batch for longer than the idle time");
    }

    @Test
    void caughtUpEmissionsTakeTheirShareButComeAtLeastEveryInterval() {
        StreamPace pace = pace();
        assertEquals(300 * MS, pace.emissionGapNanos(100 * MS), "t × (1/0.25 − 1)");
        assertEquals(1000 * MS, pace.emissionGapNanos(800 * MS), "never later than emit-interval");
    }

    @Test
    void behindEmissionsTakeTheBacklogShareBetweenTheIntervalAndTheMaxGap() {
        StreamPace pace = pace();
        pace.polled(0, 5_000);
        assertEquals(1900 * MS, pace.emissionGapNanos(100 * MS), "t × (1/0.05 − 1)");
        assertEquals(1000 * MS, pace.emissionGapNanos(10 * MS), "at least emit-interval");
        assertEquals(10_000 * MS, pace.emissionGapNanos(2_000 * MS), "at most max-gap");
    }

    @Test
    void probesStepBackWhileBehind() {
        StreamPace pace = pace();
        assertEquals(300 * MS, pace.retrainGapNanos(100 * MS));
        pace.polled(0, 5_000);
        assertEquals(900 * MS, pace.retrainGapNanos(100 * MS));
    }

    @Test
    void sharesOutsideTheUnitIntervalAndAShortMaxGapAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new StreamPace(Duration.ofSeconds(1), Duration.ofMillis(100), 0.25, 0, Duration.ofSeconds(1),
                Duration.ofSeconds(10), 0.25, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new StreamPace(Duration.ofSeconds(1), Duration.ofMillis(100), 1.5, 0.05, Duration.ofSeconds(1),
                Duration.ofSeconds(10), 0.25, 0.1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StreamPace(Duration.ofSeconds(1),
                Duration.ofMillis(100), 0.25, 0.05, Duration.ofSeconds(5), Duration.ofSeconds(2), 0.25, 0.1));
        assertTrue(e.getMessage().contains("cka.backlog.max-gap"), e.getMessage());
    }

    @Test
    void aDrainTimeLongerThanTheBacklogThresholdIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StreamPace(Duration.ofSeconds(1),
                Duration.ofMillis(1001), 0.25, 0.05, Duration.ofSeconds(1), Duration.ofSeconds(10), 0.25, 0.1));
        assertTrue(e.getMessage().contains("cka.backlog.drained-after"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new StreamPace(Duration.ofSeconds(1), Duration.ZERO, 0.25, 0.05,
                Duration.ofSeconds(1), Duration.ofSeconds(10), 0.25, 0.1));
    }
}
