package dev.ckastream.cka.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.ckastream.cka.listener.PairPartitions;

/**
 * Readiness of the one writer of the pair: UP only while this instance holds every partition of both activation
 * topics (and so publishes scores); DOWN with the reason otherwise, e.g. while another instance of the consumer
 * group holds some of them, so that a load balancer sends {@code /scores} to the instance that has them all.
 */
@Readiness
@ApplicationScoped
public class PartitionReadiness implements HealthCheck {

    @Inject
    PairPartitions partitions;

    @Override
    public HealthCheckResponse call() {
        PairPartitions.Hold hold = partitions.hold();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("partitions").status(hold.all())
                .withData("held", hold.heldCount() + " of " + hold.partitionCount())
                .withData("group", hold.group());
        hold.partitions().keySet().forEach(topic -> response.withData(topic, hold.describe(topic)));
        String reason = hold.reason();
        return response.withData("publishing", reason == null ? "scores" : "nothing: " + reason).build();
    }
}
