package dev.ckastream.cka.probe;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import dev.ckastream.contract.Side;

/**
 * Decides when an unconverged probe fit is worth a log line: the first retrain in which a probe (side and
 * layer) does not reach its tolerance, not every retrain after it. A probe that converges again is
 * forgotten, so a later relapse is reported again. Not thread-safe (one trainer thread).
 */
public final class UnconvergedProbes {

    private final Map<Side, TreeSet<Integer>> reported = new EnumMap<>(Side.class);

    public UnconvergedProbes() {
        for (Side side : Side.values()) {
            reported.put(side, new TreeSet<>());
        }
    }

    /**
     * Takes a report into account; returns a line naming the probes that stopped converging in it, or null
     * when there is nothing new to say.
     */
    public String newlyUnconverged(ProbeReport report, double c) {
        List<String> fresh = new ArrayList<>();
        for (Side side : Side.values()) {
            TreeSet<Integer> known = reported.get(side);
            for (ProbeReport.LayerResult r : report.sides().get(side)) {
                if (Boolean.FALSE.equals(r.converged())) {
                    if (known.add(r.layer())) {
                        fresh.add(side.word() + " layer " + r.layer() + " (gradient norm "
                                + String.format(java.util.Locale.ROOT, "%.3g", r.gradientNorm()) + " after "
                                + r.iterations() + " Newton steps)");
                    }
                } else if (Boolean.TRUE.equals(r.converged())) {
                    known.remove(r.layer());
                }
            }
        }
        if (fresh.isEmpty()) {
            return null;
        }
        return "probe fit did not converge for " + String.join(", ", fresh) + " on " + report.trainCount()
                + " training reviews with C = " + c + ": its accuracy is published with probeConverged false;"
                + " a smaller cka.probe.c (stronger regularisation) usually converges";
    }
}
