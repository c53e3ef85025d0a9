package dev.ckastream.cka.endpoint;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestStreamElementType;

import dev.ckastream.cka.listener.PairPartitions;
import dev.ckastream.cka.pair.CheckpointPair;
import dev.ckastream.cka.pair.ComparedPairs;
import dev.ckastream.cka.score.ScoreBoard;
import dev.ckastream.contract.ScoreReport;
import io.smallrye.mutiny.Multi;

/**
 * The score records over HTTP: a pair's latest at {@code GET /scores} (with {@code ?pair=first~second} when several
 * pairs are configured), every pair's latest at {@code GET /scores/pairs}, every new one as server-sent events at
 * {@code GET /scores/stream}, and a pair's per-layer table as a CSV download at {@code GET /scores.csv}; each
 * answers 503 with the reason while this instance does not hold every partition of the pair(s) asked for.
 */
@Path("/")
public class ScoresResource {

    /** Every score endpoint's 503 (see {@link #refuseUnlessHolding}). */
    private static final String NOT_HOLDING_ALL = "another instance of the consumer group holds some of the pair's"
            + " partitions (or a topic does not exist yet): {\"error\": \"...\"} says which";
    private static final String PAIR_ERRORS = "?pair= names no configured pair, or several pairs are configured and"
            + " none is named: {\"error\": \"...\"} lists the pairs";

    /** Every pair's latest score record, in configured order. */
    @Schema(description = "every configured pair's latest score record")
    public record ScoresOfEveryPair(
            @Schema(description = "the configured checkpoints, in order (cka.checkpoints)") List<String> checkpoints,
            @Schema(description = "each pair's latest record, in configured order (cka.pairs); its `pair` names it")
            List<ScoreReport> pairs) {
    }

    @Inject
    ScoreBoard board;

    @Inject
    PairPartitions partitions;

    @Inject
    ComparedPairs pairs;

    /**
     * A 503 while another instance of the consumer group holds some of the pair's partitions: this instance's
     * scores would cover only its share of the reviews, and answering with them (or with its last complete
     * record, which no longer moves) is what made a second instance publish silently wrong numbers.
     */
    private void refuseUnlessHolding(List<CheckpointPair> asked) {
        for (CheckpointPair pair : asked) {
            String reason = partitions.reason(pair);
            if (reason != null) {
                throw error(Response.Status.SERVICE_UNAVAILABLE, "no scores" + (pairs.pairs().size() > 1 ? " of " + pair
                        : "") + " from this instance: " + reason);
            }
        }
    }

    /** The pair {@code ?pair=} names; without it the only pair, or a 400 when there are several. */
    private CheckpointPair pair(String key) {
        if (key == null || key.isBlank()) {
            if (pairs.pairs().size() == 1) {
                return pairs.pairs().get(0);
            }
            throw error(Response.Status.BAD_REQUEST, pairs.pairs().size() + " pairs are configured: name one with"
                    + " ?pair= (" + pairs.keys() + "), or GET /scores/pairs for all of them");
        }
        return pairs.find(key.trim()).orElseThrow(() -> error(Response.Status.NOT_FOUND, "no pair " + key.trim()
                + " is configured; the pairs are " + pairs.keys() + " (cka.pairs)"));
    }

    private static WebApplicationException error(Response.Status status, String message) {
        Response.ResponseBuilder response = Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", message));
        if (status == Response.Status.SERVICE_UNAVAILABLE) {
            response.header("Retry-After", "5");
        }
        return new WebApplicationException(message, response.build());
    }

    @GET
    @Operation(summary = "A pair's latest score record", description = "CKA and debiased CKA matrices (first checkpoint's"
            + " layers as rows), probe accuracies, layer status and stream counters. With one configured pair, `pair`"
            + " may be left out.")
    @APIResponse(responseCode = "200", description = "the latest score record (empty matrices before the first review)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ScoreReport.class)))
    @APIResponse(responseCode = "400", description = PAIR_ERRORS)
    @APIResponse(responseCode = "404", description = PAIR_ERRORS)
    @APIResponse(responseCode = "503", description = NOT_HOLDING_ALL)
    @Path("scores")
    @Produces(MediaType.APPLICATION_JSON)
    public ScoreReport latest(@Parameter(description = "first~second, e.g. pretrained~finetuned") @QueryParam("pair")
            String pair) {
        CheckpointPair p = pair(pair);
        refuseUnlessHolding(List.of(p));
        return board.latest(p);
    }

    @GET
    @Operation(summary = "Every pair's latest score record", description = "The configured checkpoints and each pair's"
            + " latest record, in configured order.")
    @APIResponse(responseCode = "200", description = "every pair's latest record",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = ScoresOfEveryPair.class)))
    @APIResponse(responseCode = "503", description = NOT_HOLDING_ALL)
    @Path("scores/pairs")
    @Produces(MediaType.APPLICATION_JSON)
    public ScoresOfEveryPair everyPair() {
        refuseUnlessHolding(pairs.pairs());
        return new ScoresOfEveryPair(pairs.checkpoints(), board.latestOfEveryPair());
    }

    @GET
    @Operation(summary = "Every new score record as server-sent events", description = "The latest record of every"
            + " pair (or of the pair named) first, then one event per pair and emission (cka.emit-every,"
            + " cka.emit-interval); each record's `pair` names its pair.")
    @APIResponse(responseCode = "200", description = "an event stream of score records",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(implementation = ScoreReport.class)))
    @APIResponse(responseCode = "404", description = PAIR_ERRORS)
    @APIResponse(responseCode = "503", description = NOT_HOLDING_ALL)
    @Path("scores/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<ScoreReport> stream(@Parameter(description = "only this pair's records (first~second)")
            @QueryParam("pair") String pair) {
        CheckpointPair only = pair == null || pair.isBlank() ? null : pair(pair);
        refuseUnlessHolding(only == null ? pairs.pairs() : List.of(only));
        // Ends the stream when this instance stops holding every partition: the client reconnects and gets the 503.
        Multi<ScoreReport> released = partitions.released().onItem()
                .failWith(why -> new IllegalStateException("no scores from this instance: " + why))
                .onItem().castTo(ScoreReport.class);
        return Multi.createBy().merging().streams(only == null ? board.stream() : board.stream(only), released);
    }

    @GET
    @Operation(summary = "A pair's latest per-layer table as CSV", description = "One row per layer: diagonal CKA and"
            + " debiased CKA with their intervals, each checkpoint's probe accuracy with its Wilson interval, the paired"
            + " change with its interval and verdict, and the layer status.")
    @APIResponse(responseCode = "200", description = "text/csv with a header row (empty cells where undefined)",
            content = @Content(mediaType = ScoreTableCsv.MEDIA_TYPE))
    @APIResponse(responseCode = "400", description = PAIR_ERRORS)
    @APIResponse(responseCode = "404", description = PAIR_ERRORS)
    @APIResponse(responseCode = "503", description = NOT_HOLDING_ALL)
    @Path("scores.csv")
    @Produces(ScoreTableCsv.MEDIA_TYPE)
    public Response table(@Parameter(description = "first~second") @QueryParam("pair") String pair) {
        CheckpointPair p = pair(pair);
        refuseUnlessHolding(List.of(p));
        ScoreReport report = board.latest(p);
        return Response.ok(ScoreTableCsv.write(report), ScoreTableCsv.MEDIA_TYPE + "; charset=utf-8")
                .header("Content-Disposition", "attachment; filename=\"" + ScoreTableCsv.filename(report) + "\"")
                .build();
    }
}
