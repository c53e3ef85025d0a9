package dev.ckastream.cka.it;

import static io.restassured.RestAssured.given;

import java.time.Duration;

import io.restassured.response.Response;

/**
 * Waits until the service under test holds every partition of the pair (its readiness check {@code partitions}
 * is UP): until the consumer's first assignment it publishes nothing and {@code GET /scores} answers 503.
 */
public final class PairHeld {

    private PairHeld() {
    }

    public static void await() {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Response ready = null;
        while (System.nanoTime() < deadline) {
            ready = given().when().get("/q/health/ready");
            if ("UP".equals(ready.jsonPath().getString("checks.find { it.name == 'partitions' }.status"))) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("the service did not get every partition of the pair: " + ready.asString());
    }
}
