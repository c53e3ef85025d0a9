package dev.ckastream.cka.health;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
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
        Map<String, Long> reviews = store.read(cs -> {
            Map<String, Long> r = new LinkedHashMap<>();
            cs.all().forEach(c -> r.put(c.pair().key(), c.reviews()));
            return r;
        });
        String held = store.snapshotsHeld();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("state").status(held == null);
        if (reviews.size() == 1) {
            response.withData("reviews", reviews.values().iterator().next());
        } else {
            reviews.forEach((pair, n) -> response.withData("reviews " + pair, n));
        }
        return response.withData("snapshots", held == null ? "writing" : "held: " + held).build();
    }
}
