package dev.ckastream.cka.it;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The dead-letter producer points at an address where no broker listens, so its sends never complete, and the
 * publish timeout is short: what the service does when a wait on the broker expires.
 */
public class UnreachableDeadLettersProfile implements QuarkusTestProfile {

    static final int PUBLISH_TIMEOUT_SECONDS = 2;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "mp.messaging.outgoing.activations-dlq.bootstrap.servers", "127.0.0.1:1",
                "cka.publish-timeout", PUBLISH_TIMEOUT_SECONDS + "s");
    }
}
