package dev.ckastream.cka.endpoint;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** Prometheus text exposition of the service's meters. */
@Path("/q/metrics")
public class MetricsResource {

    @Inject
    PrometheusMeterRegistry registry;

    @GET
    @Produces("text/plain; version=0.0.4; charset=utf-8")
    public String scrape() {
        return registry.scrape();
    }
}
