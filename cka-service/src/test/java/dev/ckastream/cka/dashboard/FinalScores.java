package dev.ckastream.cka.dashboard;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Whether a score record is the last one a test's reviews will produce, so that the page can be compared with it:
 * every review counted, probes trained on all of them (not a record that still carries probes from an earlier
 * retrain, which a later retrain replaces), and the CKA intervals computed exactly at that count (not rescaled).
 * The tests' reviews are all labelled and fewer than the probe sample holds.
 */
final class FinalScores {

    private FinalScores() {
    }

    static boolean reached(JsonNode record, long reviews, int layers) {
        if (record.get("reviews").asLong() != reviews) {
            return false;
        }
        JsonNode probe = record.get("probe");
        for (JsonNode name : record.get("pair")) {
            JsonNode accuracies = probe.get(name.asText());
            if (accuracies == null || accuracies.size() != layers) {
                return false;
            }
            for (JsonNode a : accuracies) {
                if (a.isNull()) {
                    return false;
                }
            }
        }
        JsonNode intervals = record.get("intervals");
        return probe.get("trainReviews").asLong() + probe.get("testReviews").asLong() == reviews
                && intervals != null && !intervals.isNull() && intervals.get("reviews").asLong() == reviews;
    }
}
