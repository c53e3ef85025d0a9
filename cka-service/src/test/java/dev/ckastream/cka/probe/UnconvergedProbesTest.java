package dev.ckastream.cka.probe;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ckastream.contract.Side;

class UnconvergedProbesTest {

    private static ProbeReport report(Boolean firstLayer1) {
        return new ProbeReport(Map.of(
                Side.FIRST, List.of(new ProbeReport.LayerResult(Side.FIRST, 0, 0.9, 50, 10, 4, 1e-12, true),
                        new ProbeReport.LayerResult(Side.FIRST, 1, 0.8, 50, 10, 200, 3e-3, firstLayer1)),
                Side.SECOND, List.of(new ProbeReport.LayerResult(Side.SECOND, 0, null, 50, 10, 0, Double.NaN, null),
                        new ProbeReport.LayerResult(Side.SECOND, 1, 0.7, 50, 10, 5, 1e-12, true))),
                50, 25, 10, 50, 10, true, 1);
    }

    @Test
    void anUnconvergedFitIsReportedOnceAndAgainOnlyAfterItConvergedInBetween() {
        UnconvergedProbes unconverged = new UnconvergedProbes();
        assertNull(unconverged.newlyUnconverged(report(true), 1.0));
        String line = unconverged.newlyUnconverged(report(false), 1.0);
        assertNotNull(line);
        assertTrue(line.contains("first layer 1") && line.contains("200 Newton steps") && line.contains("C = 1.0"), line);
        assertTrue(!line.contains("second"), "not-fitted and converged probes are not named: " + line);
        assertNull(unconverged.newlyUnconverged(report(false), 1.0), "not on every retrain");
        assertNull(unconverged.newlyUnconverged(report(true), 1.0));
        assertNotNull(unconverged.newlyUnconverged(report(false), 1.0), "a relapse is reported again");
    }

    @Test
    void theReportCarriesConvergencePerSideAndLayer() {
        ProbeReport r = report(false);
        assertTrue(r.converged(Side.FIRST, 0));
        assertTrue(!r.converged(Side.FIRST, 1));
        assertNull(r.converged(Side.SECOND, 0), "not fitted: unknown");
    }
}
