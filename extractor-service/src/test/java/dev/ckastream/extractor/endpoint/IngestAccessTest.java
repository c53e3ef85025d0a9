package dev.ckastream.extractor.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.ckastream.extractor.endpoint.IngestAccess.Decision;

/** Who may {@code POST /reviews}: the decision alone, for every kind of peer and header. */
class IngestAccessTest {

    @Test
    void withoutATokenOnlyLoopbackPeersAreAllowed() {
        IngestAccess open = new IngestAccess(Optional.empty());
        assertFalse(open.tokenRequired());
        for (String loopback : new String[] { "127.0.0.1", "127.3.2.1", "::1", "[::1]", "0:0:0:0:0:0:0:1" }) {
            assertEquals(Decision.ALLOWED, open.decide(null, loopback), loopback);
        }
        for (String remote : new String[] { "10.0.0.5", "192.168.1.2", "2001:db8::1", "0.0.0.0", "", "localhost",
                "example.org" }) {
            assertEquals(Decision.FORBIDDEN, open.decide(null, remote), remote);
        }
        assertEquals(Decision.FORBIDDEN, open.decide(null, null));
        // A header is no way around it: without a configured token there is nothing to match.
        assertEquals(Decision.FORBIDDEN, open.decide("Bearer anything", "10.0.0.5"));
    }

    @Test
    void aBlankTokenCountsAsUnset() {
        IngestAccess blank = new IngestAccess(Optional.of("  "));
        assertFalse(blank.tokenRequired());
        assertEquals(Decision.FORBIDDEN, blank.decide("Bearer   ", "10.0.0.5"));
    }

    @Test
    void withATokenEveryPeerNeedsIt() {
        IngestAccess guarded = new IngestAccess(Optional.of("s3cr3t-token"));
        assertTrue(guarded.tokenRequired());
        assertEquals(Decision.ALLOWED, guarded.decide("Bearer s3cr3t-token", "10.0.0.5"));
        assertEquals(Decision.ALLOWED, guarded.decide("bearer s3cr3t-token", "127.0.0.1"));
        assertEquals(Decision.ALLOWED, guarded.decide("Bearer  s3cr3t-token ", "127.0.0.1"));
        // Loopback is no exception once a token is configured.
        assertEquals(Decision.UNAUTHORIZED, guarded.decide(null, "127.0.0.1"));
        assertEquals(Decision.UNAUTHORIZED, guarded.decide("", "127.0.0.1"));
        assertEquals(Decision.UNAUTHORIZED, guarded.decide("Bearer s3cr3t-toke", "127.0.0.1"));
        assertEquals(Decision.UNAUTHORIZED, guarded.decide("Bearer s3cr3t-token2", "127.0.0.1"));
        assertEquals(Decision.UNAUTHORIZED, guarded.decide("Bearer ", "127.0.0.1"));
        assertEquals(Decision.UNAUTHORIZED, guarded.decide("s3cr3t-token", "127.0.0.1"));
        assertEquals(Decision.UNAUTHORIZED, guarded.decide("Basic czNjcjN0LXRva2Vu", "127.0.0.1"));
    }
}
