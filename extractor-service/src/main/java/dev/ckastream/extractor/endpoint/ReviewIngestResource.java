package dev.ckastream.extractor.endpoint;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import dev.ckastream.extractor.config.ExtractorConfig;
import dev.ckastream.contract.InvalidReview;
import dev.ckastream.contract.Review;
import dev.ckastream.contract.ReviewRejection;
import dev.ckastream.contract.Topics;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

/**
 * {@code POST /reviews}: one review as a JSON object, or many as JSONL (one object per line). All reviews
 * are validated first; if any is invalid nothing is produced and the answer is 400 naming the line and
 * why. Valid reviews go to {@code reviews} keyed by id; the answer (202) comes once the broker has them.
 * Bodies above {@code quarkus.http.limits.max-body-size} get 413 from the HTTP layer. Who may post is
 * {@link IngestAccess}'s decision: 401 without the configured bearer token, 403 from a non-loopback address
 * when no token is configured.
 */
@Path("/reviews")
public class ReviewIngestResource {

    @Inject
    ExtractorConfig config;

    @Inject
    IngestAccess access;

    @Inject
    @Channel("reviews-in")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 16384)
    MutinyEmitter<Record<byte[], byte[]>> reviews;

    @POST
    @Operation(summary = "Put reviews on the reviews topic", description = "One review as a JSON object, or many as"
            + " JSONL. All are validated first: one invalid review and nothing is produced.")
    @RequestBody(required = true, content = {
            @Content(mediaType = MediaType.APPLICATION_JSON, examples = @ExampleObject(name = "one review",
                    value = "{\"id\": \"r1\", \"text\": \"A fine film.\", \"label\": 1}")),
            @Content(mediaType = "application/x-ndjson", examples = @ExampleObject(name = "JSONL",
                    value = "{\"id\": \"r1\", \"text\": \"A fine film.\", \"label\": 1}\n"
                            + "{\"id\": \"r2\", \"text\": \"Dull.\"}")) })
    @APIResponse(responseCode = "202", description = "the broker has every review",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, examples = @ExampleObject(name = "accepted",
                    value = "{\"accepted\": 2}")))
    @APIResponse(responseCode = "400", description = "a review is invalid (the line and why), or the body is not UTF-8",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, examples = @ExampleObject(name = "error",
                    value = "{\"error\": \"line 2: label must be 0 or 1\"}")))
    @APIResponse(responseCode = "401", description = "no or wrong bearer token (extractor.ingest.token is set)")
    @APIResponse(responseCode = "403", description = "not from loopback while extractor.ingest.token is unset")
    @APIResponse(responseCode = "413", description = "more reviews or bytes than the limits allow")
    @APIResponse(responseCode = "503", description = "the broker did not acknowledge in time"
            + " (extractor.ingest.publish-timeout); sending again is safe")
    @Consumes({ MediaType.APPLICATION_JSON, "application/x-ndjson", "application/jsonl", MediaType.TEXT_PLAIN })
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Response ingest(byte[] body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @Context HttpServerRequest request) {
        SocketAddress peer = request.remoteAddress();
        switch (access.decide(authorization, peer == null ? null : peer.hostAddress())) {
            case UNAUTHORIZED -> {
                return Response.status(Response.Status.UNAUTHORIZED).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                        .entity(Map.of("error", "POST /reviews needs 'Authorization: Bearer <token>' with the token"
                                + " configured as extractor.ingest.token"))
                        .build();
            }
            case FORBIDDEN -> {
                return Response.status(Response.Status.FORBIDDEN)
                        .entity(Map.of("error", "POST /reviews is accepted from loopback addresses only while"
                                + " extractor.ingest.token (EXTRACTOR_INGEST_TOKEN) is not set"))
                        .build();
            }
            case ALLOWED -> {
            }
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            return badRequest("the body is not valid UTF-8");
        }
        List<Review> parsed = new ArrayList<>();
        try {
            parsed.add(Review.fromJson(text, config.maxChars())); // a single (possibly pretty-printed) object
        } catch (InvalidReview single) {
            String[] lines = text.split("\r?\n", -1);
            if (lines.length < 2 || single.reason() != ReviewRejection.NOT_JSON) {
                // One JSON document (even pretty-printed over several lines) that is not a valid review.
                return badRequest("line 1: " + single.getMessage());
            }
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].isBlank()) {
                    continue;
                }
                try {
                    parsed.add(Review.fromJson(lines[i], config.maxChars()));
                } catch (InvalidReview e) {
                    return badRequest("line " + (i + 1) + ": " + e.getMessage());
                }
            }
        }
        if (parsed.isEmpty()) {
            return badRequest("no review in the body");
        }
        if (parsed.size() > config.ingest().maxReviewsPerRequest()) {
            return Response.status(Response.Status.REQUEST_ENTITY_TOO_LARGE)
                    .entity(Map.of("error", parsed.size() + " reviews in one request, more than "
                            + config.ingest().maxReviewsPerRequest() + " (extractor.ingest.max-reviews-per-request)"))
                    .build();
        }
        List<CompletableFuture<Void>> sends = new ArrayList<>(parsed.size());
        for (Review review : parsed) {
            var metadata = OutgoingKafkaRecordMetadata.<byte[]>builder().withTopic(Topics.REVIEWS)
                    .withKey(review.keyBytes()).build();
            sends.add(reviews.sendMessage(Message.of(Record.of(review.keyBytes(), review.toJsonBytes()))
                    .addMetadata(metadata)).subscribeAsCompletionStage());
        }
        try {
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
                    .get(config.ingest().publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return unavailable("the broker did not acknowledge the " + parsed.size() + " reviews within "
                    + config.ingest().publishTimeout() + " (extractor.ingest.publish-timeout); send them again");
        } catch (ExecutionException e) {
            return unavailable("the broker refused the reviews: " + e.getCause().getMessage() + "; send them again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unavailable("interrupted while waiting for the broker; send the reviews again");
        }
        return Response.accepted(Map.of("accepted", parsed.size())).build();
    }

    /** Some, all or none of the reviews may be on the topic: resending is safe, ids are counted once downstream. */
    private static Response unavailable(String message) {
        return Response.status(Response.Status.SERVICE_UNAVAILABLE).entity(Map.of("error", message)).build();
    }

    private static Response badRequest(String message) {
        return Response.status(Response.Status.BAD_REQUEST).entity(Map.of("error", message)).build();
    }
}
