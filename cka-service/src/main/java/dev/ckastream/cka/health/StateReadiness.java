package dev.ckastream.cka.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import dev.ckastream.cka.state.ComparisonStore;

/**
 * Readiness that the Kafka connector cannot know: the comparison state is restored from its snapshot (or
 * started empty) and owned by this instance. The connector's channel checks sit beside it.
 */
@Readiness
@ApplicationScoped
public class StateReadiness implements HealthCheck {

    @Inject
    ComparisonStore store;

    @Override
    public HealthCheckResponse call() {
        long reviews = store.read(c -> c.reviews());
        String held = store.snapshotsHeld();
        return HealthCheckResponse.named("state").status(held == null).withData("reviews", reviews)
                .withData("snapshots", held == null ? "writing" : "held: " + held).build();
    }
}
