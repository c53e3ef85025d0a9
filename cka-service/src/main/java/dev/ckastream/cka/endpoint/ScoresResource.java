package dev.ckastream.cka.endpoint;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestStreamElementType;

import dev.ckastream.cka.score.ScoreBoard;
import dev.ckastream.contract.ScoreReport;
import io.smallrye.mutiny.Multi;

/**
 * The score record over HTTP: the latest at {@code GET /scores}, every new one as server-sent events at
 * {@code GET /scores/stream}, and the latest's per-layer table as a CSV download at {@code GET /scores.csv}.
 */
@Path("/")
public class ScoresResource {

    @Inject
    ScoreBoard board;

    @GET
    @Path("scores")
    @Produces(MediaType.APPLICATION_JSON)
    public ScoreReport latest() {
        return board.latest();
    }

    @GET
    @Path("scores/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<ScoreReport> stream() {
        return board.stream();
    }

    @GET
    @Path("scores.csv")
    @Produces(ScoreTableCsv.MEDIA_TYPE)
    public Response table() {
        ScoreReport report = board.latest();
        return Response.ok(ScoreTableCsv.write(report), ScoreTableCsv.MEDIA_TYPE + "; charset=utf-8")
                .header("Content-Disposition", "attachment; filename=\"" + ScoreTableCsv.filename(report) + "\"")
                .build();
    }
}
