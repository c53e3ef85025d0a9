package dev.ckastream.deploy.feed;

import dev.ckastream.contract.Review;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * JSON Lines, plain or gzip-compressed: one {@code {"id": ..., "text": ..., "label": 0|1}} object per line.
 * Extra fields are ignored; {@code label} may be absent or null; blank lines are skipped.
 * A line without {@code id} gets {@code jsonl-<line number>}.
 */
public final class JsonlReviewReader extends ReviewReader {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path path;
    private final BufferedReader in;
    private long lineNo;

    public JsonlReviewReader(Path path, boolean gzip) throws IOException {
        this.path = path;
        InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        try {
            InputStream data = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
            this.in = new BufferedReader(new InputStreamReader(data, StandardCharsets.UTF_8), 1 << 16);
        } catch (IOException e) {
            raw.close();
            throw new ReviewFormatException(path + ": not a gzip file (" + e.getMessage() + ")", e);
        }
    }

    @Override
    protected Review readNext() throws IOException {
        String line;
        while ((line = in.readLine()) != null) {
            lineNo++;
            if (lineNo == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            if (!line.isBlank()) {
                return parse(line);
            }
        }
        return null;
    }

    private Review parse(String line) {
        JsonNode node;
        try {
            node = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw error("not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (node == null || !node.isObject()) {
            throw error("expected a JSON object");
        }
        JsonNode text = node.get("text");
        if (text == null || !text.isTextual()) {
            throw error("missing string field \"text\"");
        }
        JsonNode idNode = node.get("id");
        String id;
        if (idNode == null || idNode.isNull()) {
            id = "jsonl-" + lineNo;
        } else if (idNode.isTextual() || idNode.isIntegralNumber()) {
            id = idNode.asText();
        } else {
            throw error("field \"id\" must be a string");
        }
        return new Review(id, text.textValue(), label(node.get("label")));
    }

    private Integer label(JsonNode label) {
        if (label == null || label.isNull()) {
            return null;
        }
        if (label.isIntegralNumber() && (label.asInt() == 0 || label.asInt() == 1)) {
            return label.asInt();
        }
        if (label.isBoolean()) {
            return label.booleanValue() ? 1 : 0;
        }
        throw error("field \"label\" must be 0 or 1, got " + label);
    }

    private ReviewFormatException error(String what) {
        return new ReviewFormatException(path + ":" + lineNo + ": " + what);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
