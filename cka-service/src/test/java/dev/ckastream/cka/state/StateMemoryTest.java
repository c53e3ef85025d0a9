package dev.ckastream.cka.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.ckastream.cka.config.CkaConfig;
import dev.ckastream.cka.pair.ComparedPairs;

/**
 * The per-pair memory bound README "Memory per pair" states, and the start-up check that refuses pairs that cannot
 * fit the heap.
 */
class StateMemoryTest {

    /** cka-service's defaults: update-batch 64, backlog-batch 512, probe 1 GiB, sample 256, 10,000 waiting. */
    private static final Comparison.Settings DEFAULTS = new Comparison.Settings("a", "b", 10_000, 600_000, 64,
            1L << 30, 1.0, 256, 512);

    @Test
    void distilbertPairAtTheDefaultsMatchesTheReadmeTable() {
        StateMemory m = StateMemory.of(7, 768, 7, 768, DEFAULTS);
        long w = 7 * 768;
        // Independently: the cross block and the self blocks dominate the co-moments.
        long blocks = 8 * (w * w + 2L * 7 * 768 * 768);
        assertTrue(m.coMoments() >= blocks && m.coMoments() < blocks * 1.01, m.describe());
        assertEquals(8L * 2 * w * (512 + 64 + 1), m.batchBuffer());
        assertEquals(1L << 30, m.probeSample());
        assertEquals(4L * 10_000 * w, m.waitingHalves());
        assertEquals("1,660 MB (co-moments 299, batch buffer 50, probe sample ≤ 1,074, interval sample 23,"
                + " waiting halves ≤ 215)", m.describe());
        assertEquals(1_860, StateMemory.mb(m.total() + ComparisonStore.BASE_HEAP), "one pair: ≈ 1.9 GB");
        // Four pairs share the probe bound: a quarter each.
        Comparison.Settings quarter = new Comparison.Settings("a", "b", 10_000, 600_000, 64, (1L << 30) / 4, 1.0,
                256, 512);
        StateMemory each = StateMemory.of(7, 768, 7, 768, quarter);
        assertEquals("854 MB (co-moments 299, batch buffer 50, probe sample ≤ 268, interval sample 23,"
                + " waiting halves ≤ 215)", each.describe());
        assertEquals(3_617, StateMemory.mb(4 * each.total() + ComparisonStore.BASE_HEAP), "four pairs: ≈ 3.6 GB");
    }

    @Test
    void pairsThatCannotFitTheHeapStopTheStartNamingTheBound() {
        CkaConfig config = CkaSettings.of("cka.checkpoints", "base,s1,s2,s3", "cka.snapshot.enabled", "false");
        ComparedPairs pairs = ComparedPairs.resolve(Optional.of(List.of("base", "s1", "s2", "s3")), "x", "y",
                "first-vs-each");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new ComparisonStore(config, pairs, 2_500_000_000L));
        long third = StateMemory.of(7, 768, 7, 768, new Comparison.Settings("a", "b", 10_000, 600_000, 64,
                (1L << 30) / 3, 1.0, 256, 512)).total();
        assertTrue(e.getMessage().contains(String.format("3 pair(s) need up to %,d MB of the heap's 2,500 MB",
                StateMemory.mb(3 * third + ComparisonStore.BASE_HEAP))), e.getMessage());
        assertTrue(e.getMessage().contains("base~s2 at 7 × 768 (assumed, cka.memory.layers/dim): "
                + String.format("%,d MB", StateMemory.mb(third))), e.getMessage());
        assertTrue(e.getMessage().contains("lower cka.probe.max-bytes"), e.getMessage());
        // The same pairs fit a larger heap, and with the check off they start with a warning.
        assertEquals(3, (int) new ComparisonStore(config, pairs, 3_100_000_000L).read(cs -> cs.all().size()));
        CkaConfig warnOnly = CkaSettings.of("cka.snapshot.enabled", "false", "cka.memory.enforce", "false");
        assertEquals(3, (int) new ComparisonStore(warnOnly, pairs, 1_000_000_000L).read(cs -> cs.all().size()));
    }


}
