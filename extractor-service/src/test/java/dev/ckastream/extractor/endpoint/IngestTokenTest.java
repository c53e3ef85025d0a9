package dev.ckastream.extractor.endpoint;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ckastream.deploy.broker.KafkaBrokerTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/** {@code POST /reviews} with {@code extractor.ingest.token} set: 401 without the right bearer token, even from loopback. */
@QuarkusTest
@TestProfile(IngestTokenTest.TokenProfile.class)
@QuarkusTestResource(KafkaBrokerTestResource.class)
class IngestTokenTest {

    static final String TOKEN = "ingest-test-token-7f3a";

    public static class TokenProfile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("extractor.ingest.token", TOKEN);
        }
    }

    private static Response post(String authorization, String body) {
        var request = given().contentType("application/json").body(body.getBytes(StandardCharsets.UTF_8));
        if (authorization != null) {
            request = request.header("Authorization", authorization);
        }
        return request.when().post("/reviews");
    }

    @Test
    void withoutTheTokenIs401WithAJsonMessage() {
        String body = "{\"id\":\"token-1\",\"text\":\"Fine.\"}";
        for (String authorization : new String[] { null, "Bearer wrong", "Bearer " + TOKEN + "x", "Basic " + TOKEN,
                TOKEN }) {
            Response response = post(authorization, body);
            assertEquals(401, response.statusCode(), authorization + ": " + response.asString());
            assertEquals("Bearer", response.header("WWW-Authenticate"));
            String error = response.jsonPath().getString("error");
            assertTrue(error.contains("extractor.ingest.token"), error);
            assertTrue(!response.asString().contains(TOKEN), "the answer must not echo the token");
        }
    }

    @Test
    void withTheTokenTheBodyIsJudged() {
        Response bad = post("Bearer " + TOKEN, "{\"id\":\"token-2\"}");
        assertEquals(400, bad.statusCode(), bad.asString());
        assertTrue(bad.jsonPath().getString("error").startsWith("line 1: missing-text"), bad.asString());

        Response good = post("Bearer " + TOKEN, "{\"id\":\"token-3\",\"text\":\"Posted with the token.\",\"label\":1}");
        assertEquals(202, good.statusCode(), good.asString());
        assertEquals(1, good.jsonPath().getInt("accepted"));
    }
}
