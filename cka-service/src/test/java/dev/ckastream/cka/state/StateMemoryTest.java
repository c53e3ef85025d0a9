package dev.ckastream.cka.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.ckastream.cka.config.CkaConfig;
import dev.ckastream.cka.pair.ComparedPairs;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.PropertiesConfigSource;

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
        assertEquals(6_838, StateMemory.mb(4 * m.total() + ComparisonStore.BASE_HEAP), "four pairs: ≈ 6.8 GB");
        Comparison.Settings smallProbes = new Comparison.Settings("a", "b", 10_000, 600_000, 64, 268_435_456L, 1.0,
                256, 512);
        assertEquals(3_617, StateMemory.mb(4 * StateMemory.of(7, 768, 7, 768, smallProbes).total()
                + ComparisonStore.BASE_HEAP), "four pairs with a 256 MB probe bound: ≈ 3.6 GB");
    }

    @Test
    void pairsThatCannotFitTheHeapStopTheStartNamingTheBound() {
        CkaConfig config = config("cka.checkpoints", "base,s1,s2,s3", "cka.snapshot.enabled", "false");
        ComparedPairs pairs = ComparedPairs.resolve(Optional.of(List.of("base", "s1", "s2", "s3")), "x", "y",
                "first-vs-each");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new ComparisonStore(config, pairs, 4_000_000_000L));
        assertTrue(e.getMessage().contains("3 pair(s) need up to 5,179 MB of the heap's 4,000 MB"), e.getMessage());
        assertTrue(e.getMessage().contains("base~s2 at 7 × 768 (assumed, cka.memory.layers/dim): 1,660 MB"),
                e.getMessage());
        assertTrue(e.getMessage().contains("lower cka.probe.max-bytes"), e.getMessage());
        // The same pairs fit a larger heap, and with the check off they start with a warning.
        assertEquals(3, (int) new ComparisonStore(config, pairs, 6_000_000_000L).read(cs -> cs.all().size()));
        CkaConfig warnOnly = config("cka.snapshot.enabled", "false", "cka.memory.enforce", "false");
        assertEquals(3, (int) new ComparisonStore(warnOnly, pairs, 1_000_000_000L).read(cs -> cs.all().size()));
    }

    private static CkaConfig config(String... keyValues) {
        java.util.Map<String, String> map = new java.util.HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        SmallRyeConfig c = new SmallRyeConfigBuilder().withMapping(CkaConfig.class)
                .withConverter(java.time.Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter())
                .withSources(new PropertiesConfigSource(map, "test", 500)).build();
        return c.getConfigMapping(CkaConfig.class);
    }

}
