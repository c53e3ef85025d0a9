package dev.ckastream.extractor.endpoint;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.ckastream.extractor.config.ExtractorConfig;
import io.quarkus.runtime.StartupEvent;

/**
 * Who may call {@code POST /reviews}, the one state-changing endpoint. With {@code extractor.ingest.token}
 * set, a request must carry {@code Authorization: Bearer <token>} (compared in constant time); without it,
 * only requests from a loopback address are accepted, so that an unconfigured service is not an open
 * producer to the {@code reviews} topic.
 */
@ApplicationScoped
public class IngestAccess {

    private static final Logger LOG = Logger.getLogger(IngestAccess.class);
    private static final String BEARER = "Bearer ";

    /** The answer for one request. */
    public enum Decision {
        ALLOWED, UNAUTHORIZED, FORBIDDEN
    }

    private final byte[] tokenDigest;

    @Inject
    public IngestAccess(ExtractorConfig config) {
        this(config.ingest().token());
    }

    public IngestAccess(Optional<String> token) {
        this.tokenDigest = token.filter(t -> !t.isBlank()).map(IngestAccess::sha256).orElse(null);
    }

    void onStart(@Observes StartupEvent start) {
        if (tokenDigest != null) {
            LOG.info("POST /reviews requires 'Authorization: Bearer <extractor.ingest.token>'");
        } else {
            LOG.info("extractor.ingest.token is not set: POST /reviews accepts requests from loopback addresses only"
                    + " (set EXTRACTOR_INGEST_TOKEN to accept authenticated requests from anywhere)");
        }
    }

    public boolean tokenRequired() {
        return tokenDigest != null;
    }

    /**
     * @param authorization the {@code Authorization} header, or null
     * @param remoteAddress the peer's IP address as text (a literal, never resolved), or null when unknown
     */
    public Decision decide(String authorization, String remoteAddress) {
        if (tokenDigest != null) {
            if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                return Decision.UNAUTHORIZED;
            }
            // Digests have one length whatever the token's: the comparison time says nothing about it.
            byte[] offered = sha256(authorization.substring(BEARER.length()).trim());
            return MessageDigest.isEqual(tokenDigest, offered) ? Decision.ALLOWED : Decision.UNAUTHORIZED;
        }
        return isLoopback(remoteAddress) ? Decision.ALLOWED : Decision.FORBIDDEN;
    }

    static boolean isLoopback(String address) {
        if (address == null || address.isEmpty()) {
            return false;
        }
        String literal = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1)
                : address;
        // Only IP literals: a host name would mean a DNS lookup, and a peer address is never one.
        if (!literal.chars().allMatch(ch -> Character.digit(ch, 16) >= 0 || ch == '.' || ch == ':' || ch == '%')) {
            return false;
        }
        try {
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException | SecurityException e) {
            return false;
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
