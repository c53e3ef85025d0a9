package dev.ckastream.cka.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Short real reviews for the whole-system tests: the first {@code perLabel} negative and positive reviews of
 * {@code ../shared/data/imdb-test.jsonl.gz}, cut to a few hundred characters (the extractor runs with few
 * tokens anyway); made-up texts when the shared data is absent, so the tests still run.
 */
final class ShortReviews {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_CHARS = 400;

    private ShortReviews() {
    }

    /** {@code 2 * perLabel} reviews as {@code {"id","text","label"}}, ids prefixed with {@code prefix}. */
    static List<ObjectNode> load(int perLabel, String prefix) throws IOException {
        Path data = ServiceProcess.repositoryRoot().resolve("../shared/data/imdb-test.jsonl.gz").normalize();
        List<ObjectNode> out = new ArrayList<>();
        if (Files.isReadable(data)) {
            int[] taken = new int[2];
            try (BufferedReader in = new BufferedReader(new InputStreamReader(
                    new GZIPInputStream(Files.newInputStream(data)), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null && (taken[0] < perLabel || taken[1] < perLabel);) {
                    JsonNode review = JSON.readTree(line);
                    int label = review.get("label").asInt();
                    if (taken[label] < perLabel) {
                        taken[label]++;
                        String text = review.get("text").asText().replace("<br />", " ");
                        out.add(review(prefix + review.get("id").asText(),
                                text.length() > MAX_CHARS ? text.substring(0, MAX_CHARS) : text, label));
                    }
                }
            }
        }
        if (out.size() < 2 * perLabel) {
            System.out.println("ShortReviews: " + data + " is absent, using made-up reviews");
            out.clear();
            for (int i = 0; i < perLabel; i++) {
                out.add(review(prefix + "made-up-pos-" + i, "A wonderful film, number " + i
                        + ". The acting was superb and the story moved me.", 1));
                out.add(review(prefix + "made-up-neg-" + i, "A dreadful film, number " + i
                        + ". The plot was dull and the dialogue wooden.", 0));
            }
        }
        return out;
    }

    static ObjectNode review(String id, String text, Integer label) {
        ObjectNode node = JSON.createObjectNode().put("id", id).put("text", text);
        if (label != null) {
            node.put("label", label);
        }
        return node;
    }

    static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
