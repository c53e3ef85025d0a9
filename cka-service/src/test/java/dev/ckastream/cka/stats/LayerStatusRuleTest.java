package dev.ckastream.cka.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class LayerStatusRuleTest {

    /** Today's defaults, cka.status.untouched and cka.status.refined. */
    private final LayerStatusRule rule = new LayerStatusRule(0.99, 0.85);

    @Test
    void statusFollowsTheIntervalAgainstBothThresholds() {
        assertSame(LayerStatus.UNTOUCHED, rule.of(new Interval(0.99, 1.0)));
        assertSame(LayerStatus.UNTOUCHED, rule.of(new Interval(0.995, 0.999)));
        assertSame(LayerStatus.SETTLING, rule.of(new Interval(0.989, 0.999)));
        assertSame(LayerStatus.REFINED, rule.of(new Interval(0.85, 0.98)));
        assertSame(LayerStatus.SETTLING, rule.of(new Interval(0.80, 0.90)));
        assertSame(LayerStatus.SETTLING, rule.of(new Interval(0.80, 0.995)));
        assertSame(LayerStatus.REWRITTEN, rule.of(new Interval(-0.1, 0.8499)));
        assertSame(LayerStatus.SETTLING, rule.of(new Interval(-0.1, 0.85)));
        assertSame(LayerStatus.UNKNOWN, rule.of((Interval) null));
        assertEquals(List.of(LayerStatus.REWRITTEN, LayerStatus.UNKNOWN),
                rule.of(Arrays.asList(new Interval(0, 0.1), null)));
        assertEquals("settling", LayerStatus.SETTLING.wireName());
        assertThrows(IllegalArgumentException.class, () -> new LayerStatusRule(0.8, 0.9));
    }

    /** A point estimate of 0.9 on few reviews is refined only once its interval says so. */
    @Test
    void aPointInsideABandIsNotEnough() {
        assertSame(LayerStatus.SETTLING, rule.of(new Interval(0.6, 1.2)));
        assertSame(LayerStatus.REFINED, rule.of(new Interval(0.88, 0.92)));
    }

    @Test
    void settledWhenNoLayerIsOpen() {
        SettleEstimate estimate = rule.settle(List.of(new Interval(0.1, 0.2), new Interval(0.9, 0.95),
                new Interval(0.995, 1.0)), 500);
        assertTrue(estimate.settled());
        assertNull(estimate.reviewsToSettle());
    }

    @Test
    void unknownLayersAreNotSettledAndNotEstimable() {
        SettleEstimate estimate = rule.settle(Arrays.asList(new Interval(0.1, 0.2), null), 3);
        assertFalse(estimate.settled());
        assertNull(estimate.reviewsToSettle());
    }

    /**
     * Centre 0.80 ± 0.10 at 400 reviews straddles 0.85 (distance 0.05): the half-width must halve, so
     * n' = 400·(0.10/0.05)² = 1600, i.e. 1200 more. The other straddling layer (0.95 ± 0.05, distance 0.04 to
     * 0.99) needs 400·(0.05/0.04)² − 400 = 225; the estimate is the larger.
     */
    @Test
    void reviewsToSettleFromOneOverRootNShrinking() {
        SettleEstimate estimate = rule.settle(List.of(new Interval(0.70, 0.90), new Interval(0.90, 1.00),
                new Interval(0.0, 0.1)), 400);
        assertFalse(estimate.settled());
        assertEquals(1200L, estimate.reviewsToSettle());
        // and the rule's own check: at 1600 reviews the shrunk interval no longer straddles
        double shrunk = 0.10 * Math.sqrt(400.0 / 1601);
        assertSame(LayerStatus.REWRITTEN, rule.of(new Interval(0.80 - shrunk, 0.80 + shrunk)));
    }

    @Test
    void aCentreExactlyOnAThresholdIsNotEstimable() {
        SettleEstimate estimate = rule.settle(List.of(new Interval(0.80, 0.90)), 100);
        assertFalse(estimate.settled());
        assertNull(estimate.reviewsToSettle());
    }
}
