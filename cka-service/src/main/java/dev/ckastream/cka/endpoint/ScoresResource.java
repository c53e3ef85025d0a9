package dev.ckastream.cka.endpoint;

import java.util.Map;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestStreamElementType;

import dev.ckastream.cka.listener.PairPartitions;
import dev.ckastream.cka.score.ScoreBoard;
import dev.ckastream.contract.ScoreReport;
import io.smallrye.mutiny.Multi;

/**
 * The score record over HTTP: the latest at {@code GET /scores}, every new one as server-sent events at
 * {@code GET /scores/stream}, and the latest's per-layer table as a CSV download at {@code GET /scores.csv}; each
 * answers 503 with the reason while this instance does not hold every partition of the pair.
 */
@Path("/")
public class ScoresResource {

    /** Every score endpoint's 503 (see {@link #refuseUnlessHoldingAll()}). */
    private static final String NOT_HOLDING_ALL = "another instance of the consumer group holds some of the pair's"
            + " partitions (or a topic does not exist yet): {\"error\": \"...\"} says which";

    @Inject
    ScoreBoard board;

    @Inject
    PairPartitions partitions;

    /**
     * A 503 while another instance of the consumer group holds some of the pair's partitions: this instance's
     * scores would cover only its share of the reviews, and answering with them (or with its last complete
     * record, which no longer moves) is what made a second instance publish silently wrong numbers.
     */
    private void refuseUnlessHoldingAll() {
        String reason = partitions.reason();
        if (reason != null) {
            throw new WebApplicationException(reason, Response.status(Response.Status.SERVICE_UNAVAILABLE)
                    .type(MediaType.APPLICATION_JSON).entity(Map.of("error", "no scores from this instance: " + reason))
                    .header("Retry-After", "5").build());
        }
    }

    @GET
    @Operation(summary = "The latest score record", description = "CKA and debiased CKA matrices (first checkpoint's"
            + " layers as rows), probe accuracies, layer status and stream counters.")
    @APIResponse(responseCode = "200", description = "the latest score record (empty matrices before the first review)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ScoreReport.class)))
    @APIResponse(responseCode = "503", description = NOT_HOLDING_ALL)
    @Path("scores")
    @Produces(MediaType.APPLICATION_JSON)
    public ScoreReport latest() {
        refuseUnlessHoldingAll();
        return board.latest();
    }

    @GET
    @Operation(summary = "Every new score record as server-sent events", description = "The latest record first, then"
            + " one event per emission (cka.emit-every, cka.emit-interval).")
    @APIResponse(responseCode = "200", description = "an event stream of score records",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(implementation = ScoreReport.class)))
    @APIResponse(responseCode = "503", description = NOT_HOLDING_ALL)
    @Path("scores/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<ScoreReport> stream() {
        refuseUnlessHoldingAll();
        // Ends the stream when this instance stops holding every partition: the client reconnects and gets the 503.
        Multi<ScoreReport> released = partitions.released().onItem()
                .failWith(why -> new IllegalStateException("no scores from this instance: " + why))
                .onItem().castTo(ScoreReport.class);
        return Multi.createBy().merging().streams(board.stream(), released);
    }

    @GET
    @Operation(summary = "The latest per-layer table as CSV", description = "One row per layer: diagonal CKA and"
            + " debiased CKA with their intervals, each checkpoint's probe accuracy with its Wilson interval, the paired"
            + " change with its interval and verdict, and the layer status.")
    @APIResponse(responseCode = "200", description = "text/csv with a header row (empty cells where undefined)",
            content = @Content(mediaType = ScoreTableCsv.MEDIA_TYPE))
    @APIResponse(responseCode = "503", description = NOT_HOLDING_ALL)
    @Path("scores.csv")
    @Produces(ScoreTableCsv.MEDIA_TYPE)
    public Response table() {
        refuseUnlessHoldingAll();
        ScoreReport report = board.latest();
        return Response.ok(ScoreTableCsv.write(report), ScoreTableCsv.MEDIA_TYPE + "; charset=utf-8")
                .header("Content-Disposition", "attachment; filename=\"" + ScoreTableCsv.filename(report) + "\"")
                .build();
    }
}
