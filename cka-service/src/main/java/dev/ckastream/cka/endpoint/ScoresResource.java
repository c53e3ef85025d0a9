package dev.ckastream.cka.endpoint;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
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
    @Operation(summary = "The latest score record", description = "CKA and debiased CKA matrices (first checkpoint's"
            + " layers as rows), probe accuracies, layer status and stream counters.")
    @APIResponse(responseCode = "200", description = "the latest score record (empty matrices before the first review)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ScoreReport.class)))
    @Path("scores")
    @Produces(MediaType.APPLICATION_JSON)
    public ScoreReport latest() {
        return board.latest();
    }

    @GET
    @Operation(summary = "Every new score record as server-sent events", description = "The latest record first, then"
            + " one event per emission (cka.emit-every, cka.emit-interval).")
    @APIResponse(responseCode = "200", description = "an event stream of score records",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(implementation = ScoreReport.class)))
    @Path("scores/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<ScoreReport> stream() {
        return board.stream();
    }

    @GET
    @Operation(summary = "The latest per-layer table as CSV", description = "One row per layer: diagonal CKA and"
            + " debiased CKA with their intervals, each checkpoint's probe accuracy with its Wilson interval, the paired"
            + " change with its interval and verdict, and the layer status.")
    @APIResponse(responseCode = "200", description = "text/csv with a header row (empty cells where undefined)",
            content = @Content(mediaType = ScoreTableCsv.MEDIA_TYPE))
    @Path("scores.csv")
    @Produces(ScoreTableCsv.MEDIA_TYPE)
    public Response table() {
        ScoreReport report = board.latest();
        return Response.ok(ScoreTableCsv.write(report), ScoreTableCsv.MEDIA_TYPE + "; charset=utf-8")
                .header("Content-Disposition", "attachment; filename=\"" + ScoreTableCsv.filename(report) + "\"")
                .build();
    }
}
