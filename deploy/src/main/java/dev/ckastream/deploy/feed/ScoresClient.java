package dev.ckastream.deploy.feed;

import com.fasterxml.jackson.databind.JsonNode;

import dev.ckastream.contract.ContractVersion;
import dev.ckastream.contract.ScoreReport;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * Reads how many reviews cka-service has scored: GET {@code --scores-url}, either one pair's score JSON
 * ({@link ScoreReport}, {@code /scores}) with a numeric {@code reviews}, or every pair's ({@code /scores/pairs},
 * {@code {"pairs": [...]}}), where a review counts as scored once every pair has it (the smallest count). A report
 * of a contract version this build does not know counts as unknown; one without {@code "version"} is version 1.
 */
public final class ScoresClient {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final URI uri;
    private final Duration timeout;
    private final HttpClient http;

    public ScoresClient(URI uri, Duration timeout) {
        this.uri = uri;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    public URI uri() {
        return uri;
    }

    /** The service's {@code reviews} count, or empty when it cannot be had (down, not JSON, no such field, unknown version). */
    public OptionalLong scored() {
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(uri).timeout(timeout)
                    .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                return OptionalLong.empty();
            }
            JsonNode body = MAPPER.readTree(response.body());
            JsonNode pairs = body.get("pairs");
            if (pairs == null) {
                return reviews(body);
            }
            if (!pairs.isArray() || pairs.isEmpty()) {
                return OptionalLong.empty();
            }
            long fewest = Long.MAX_VALUE;
            for (JsonNode report : pairs) {
                OptionalLong n = reviews(report);
                if (n.isEmpty()) {
                    return n;
                }
                fewest = Math.min(fewest, n.getAsLong());
            }
            return OptionalLong.of(fewest);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        } catch (Exception e) { // unreachable, timed out, not JSON: "scored ?"
            return OptionalLong.empty();
        }
    }

    private static OptionalLong reviews(JsonNode report) {
        JsonNode version = report.get("version");
        if (version != null && !(version.isInt() && ContractVersion.known(version.asInt()))) {
            return OptionalLong.empty();
        }
        JsonNode reviews = report.get("reviews");
        return reviews != null && reviews.isNumber() ? OptionalLong.of(reviews.asLong()) : OptionalLong.empty();
    }
}
