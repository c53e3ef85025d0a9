package dev.ckastream.extractor.it;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Small limits, so that the limits themselves can be tested cheaply. Shared by the dead-letter and ingestion
 * tests: one extra Quarkus start for both.
 */
public class SmallLimitsProfile implements QuarkusTestProfile {

    static final int MAX_CHARS = 200;
    static final int MAX_BODY_BYTES = 16 * 1024;
    static final int MAX_REVIEWS_PER_REQUEST = 50;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "extractor.max-chars", Integer.toString(MAX_CHARS),
                "quarkus.http.limits.max-body-size", MAX_BODY_BYTES / 1024 + "K",
                "extractor.ingest.max-reviews-per-request", Integer.toString(MAX_REVIEWS_PER_REQUEST));
    }
}
