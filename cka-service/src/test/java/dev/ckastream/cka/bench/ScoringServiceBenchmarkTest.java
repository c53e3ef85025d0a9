package dev.ckastream.cka.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The figures bench-cka derives from its measurements: the ceiling beside the broker and producer, the median. */
class ScoringServiceBenchmarkTest {

    @Test
    void ceilingIsTheBareUpdateOnWhatTheBrokerAndProducerLeave() {
        // Nothing else on the machine: the bare update's own rate.
        assertEquals(1615, ScoringServiceBenchmark.ceiling(1615, 2, 0), 1e-9);
        // By hand: at 1,615 reviews/s on 2 cores a review takes 2 / 1615 s = 1.23839 ms of CPU; with 0.20 ms of
        // broker and producer beside it, 1.43839 ms, and 2 cores do 2 / 1.43839e-3 = 1,390.44 reviews/s.
        assertEquals(1390.44, ScoringServiceBenchmark.ceiling(1615, 2, 0.20e-3), 0.01);
        // When the others take as much CPU per review as the update, half the rate.
        assertEquals(500, ScoringServiceBenchmark.ceiling(1000, 4, 4.0 / 1000), 1e-9);
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(0.42, ScoringServiceBenchmark.median(List.of(0.49, 0.38, 0.42)), 0);
        assertEquals(2.5, ScoringServiceBenchmark.median(List.of(4.0, 1.0, 3.0, 2.0)), 0);
        assertEquals(7.0, ScoringServiceBenchmark.median(List.of(7.0)), 0);
    }
}
