package dev.ckastream.extractor.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.ckastream.extractor.checkpoint.Checkpoint;
import dev.ckastream.extractor.checkpoint.Checkpoints;

/**
 * Readiness that the Kafka connector cannot know: every checkpoint is loaded and passed its load self-check.
 * The connector's own channel checks sit beside it in {@code /q/health/ready}.
 */
@Readiness
@ApplicationScoped
public class ModelsReadiness implements HealthCheck {

    @Inject
    Checkpoints checkpoints;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("models").up();
        for (Checkpoint c : checkpoints.all()) {
            response.withData(c.name(), c.fingerprint() + " (" + c.layers() + " x " + c.dim() + ")");
        }
        return response.build();
    }
}
