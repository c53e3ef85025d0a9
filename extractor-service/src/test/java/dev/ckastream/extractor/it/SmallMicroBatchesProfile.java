package dev.ckastream.extractor.it;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Micro-batches of a few reviews at a fixed length, so that one poll batch makes many of them. */
public class SmallMicroBatchesProfile implements QuarkusTestProfile {

    static final int MAX_REVIEWS = 4;
    static final int MAX_TOKENS = 128;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "extractor.batching.max-reviews", Integer.toString(MAX_REVIEWS),
                "extractor.max-tokens", Integer.toString(MAX_TOKENS));
    }
}
