package dev.ckastream.extractor.endpoint;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.ckastream.extractor.checkpoint.Checkpoint;
import dev.ckastream.extractor.checkpoint.Checkpoints;
import io.smallrye.reactive.messaging.health.HealthReport;
import io.smallrye.reactive.messaging.providers.extension.HealthCenter;

/**
 * MicroProfile-Health-shaped probes ({@code {"status": "UP"|"DOWN", "checks": [...]}}, 503 when down):
 * liveness from the Kafka channels; readiness adds that both models are loaded and self-checked and that
 * every Kafka channel reports healthy (a broker outage shows here).
 */
@Path("/q/health")
@Produces(MediaType.APPLICATION_JSON)
public class HealthResource {

    @Inject
    HealthCenter kafkaHealth;

    @Inject
    Checkpoints checkpoints;

    @GET
    public Response all() {
        return ready();
    }

    @GET
    @Path("/live")
    public Response live() {
        return answer(List.of(check("kafka", kafkaHealth.getLiveness())));
    }

    @GET
    @Path("/ready")
    public Response ready() {
        List<Map<String, Object>> checks = new ArrayList<>();
        Map<String, Object> models = new LinkedHashMap<>();
        for (Checkpoint c : checkpoints.both()) {
            models.put(c.name(), c.fingerprint() + " (" + c.layers() + " x " + c.dim() + ")");
        }
        checks.add(Map.of("name", "models", "status", "UP", "data", models));
        checks.add(check("kafka", kafkaHealth.getReadiness()));
        return answer(checks);
    }

    private static Map<String, Object> check(String name, HealthReport report) {
        Map<String, Object> data = new LinkedHashMap<>();
        for (HealthReport.ChannelInfo channel : report.getChannels()) {
            data.put(channel.getChannel(), (channel.isOk() ? "[OK]" : "[KO]")
                    + (channel.getMessage() == null ? "" : " - " + channel.getMessage()));
        }
        return Map.of("name", name, "status", report.isOk() ? "UP" : "DOWN", "data", data);
    }

    private static Response answer(List<Map<String, Object>> checks) {
        boolean up = checks.stream().allMatch(c -> "UP".equals(c.get("status")));
        return Response.status(up ? 200 : 503).entity(Map.of("status", up ? "UP" : "DOWN", "checks", checks)).build();
    }
}
