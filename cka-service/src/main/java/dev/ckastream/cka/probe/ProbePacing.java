package dev.ckastream.cka.probe;

/**
 * Called between the steps of a probe fit (each Hessian-vector product, each Newton step, each layer) so that a
 * long retrain can give the CPU back while reviews stream. It may sleep; it never changes what is computed, so a
 * paced fit returns exactly what an unpaced one does.
 */
@FunctionalInterface
public interface ProbePacing {

    /** No pauses: the fit runs at full speed. */
    ProbePacing NONE = () -> { };

    /** A step is done; the pacing may pause here. */
    void stepDone();
}
