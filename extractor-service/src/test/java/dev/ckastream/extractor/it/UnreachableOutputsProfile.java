package dev.ckastream.extractor.it;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The activation and ingestion producers point at an address where no broker listens, so their sends never
 * complete, and the publish timeouts are short: what the service does when a wait on the broker expires.
 */
public class UnreachableOutputsProfile implements QuarkusTestProfile {

    static final String NO_BROKER = "127.0.0.1:1";
    static final int PUBLISH_TIMEOUT_SECONDS = 3;
    static final int INGEST_TIMEOUT_SECONDS = 2;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "mp.messaging.outgoing.activations.bootstrap.servers", NO_BROKER,
                "mp.messaging.outgoing.reviews-in.bootstrap.servers", NO_BROKER,
                "extractor.publish-timeout", PUBLISH_TIMEOUT_SECONDS + "s",
                "extractor.ingest.publish-timeout", INGEST_TIMEOUT_SECONDS + "s");
    }
}
