package dev.ckastream.deploy.feed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.sun.net.httpserver.HttpExchange;

/** Replies of the local HTTP servers the feeder tests stand up (no network is used). */
final class HttpReplies {

    private HttpReplies() {
    }

    /** 200 with the given body, then closes the exchange. */
    static void ok(HttpExchange exchange, byte[] body) throws IOException {
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    /** 200 with a UTF-8 JSON body. */
    static void okJson(HttpExchange exchange, String json) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        ok(exchange, json.getBytes(StandardCharsets.UTF_8));
    }
}
