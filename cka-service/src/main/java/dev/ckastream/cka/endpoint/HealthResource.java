package dev.ckastream.cka.endpoint;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.smallrye.reactive.messaging.health.HealthReport;
import io.smallrye.reactive.messaging.providers.extension.HealthCenter;

/**
 * MicroProfile-Health-shaped probes ({@code {"status": "UP"|"DOWN", "checks": [...]}}, 503 when down)
 * from the Kafka channels' own health (a broker outage shows in readiness).
 */
@Path("/q/health")
@Produces(MediaType.APPLICATION_JSON)
public class HealthResource {

    @Inject
    HealthCenter kafkaHealth;

    @GET
    public Response all() {
        return ready();
    }

    @GET
    @Path("/live")
    public Response live() {
        return answer(kafkaHealth.getLiveness());
    }

    @GET
    @Path("/ready")
    public Response ready() {
        return answer(kafkaHealth.getReadiness());
    }

    private static Response answer(HealthReport report) {
        Map<String, Object> data = new LinkedHashMap<>();
        for (HealthReport.ChannelInfo channel : report.getChannels()) {
            data.put(channel.getChannel(), (channel.isOk() ? "[OK]" : "[KO]")
                    + (channel.getMessage() == null ? "" : " - " + channel.getMessage()));
        }
        String status = report.isOk() ? "UP" : "DOWN";
        return Response.status(report.isOk() ? 200 : 503).entity(Map.of("status", status, "checks",
                List.of(Map.of("name", "kafka", "status", status, "data", data)))).build();
    }
}
