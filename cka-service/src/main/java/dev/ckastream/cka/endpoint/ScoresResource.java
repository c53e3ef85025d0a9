package dev.ckastream.cka.endpoint;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestStreamElementType;

import dev.ckastream.cka.score.ScoreBoard;
import dev.ckastream.contract.ScoreReport;
import io.smallrye.mutiny.Multi;

/** The score record over HTTP: the latest at {@code GET /scores}, every new one as server-sent events. */
@Path("/scores")
public class ScoresResource {

    @Inject
    ScoreBoard board;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public ScoreReport latest() {
        return board.latest();
    }

    @GET
    @Path("/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<ScoreReport> stream() {
        return board.stream();
    }
}
