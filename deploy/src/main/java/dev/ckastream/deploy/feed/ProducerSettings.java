package dev.ckastream.deploy.feed;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Kafka producer configuration: defaults (acks=all, idempotence), then {@code --producer-config FILE}, then each
 * {@code --producer-property key=value} (later wins), then {@code --bootstrap-servers} when given explicitly.
 * Serializers are always byte arrays. Secret values are never printed: see {@link #mask}.
 */
public final class ProducerSettings {
    public static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";
    static final String HIDDEN = "[hidden]";

    private ProducerSettings() {
    }

    /**
     * @param bootstrapServers {@code --bootstrap-servers}, or null when not given
     * @param configFile       {@code --producer-config}, or null
     * @param properties       {@code --producer-property} arguments, each {@code key=value}
     */
    public static Properties build(String bootstrapServers, Path configFile, List<String> properties)
            throws IOException {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, DEFAULT_BOOTSTRAP);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "ckastream-review-feeder");
        if (configFile != null) {
            if (!Files.isReadable(configFile)) {
                throw new IllegalArgumentException("--producer-config: cannot read " + configFile);
            }
            Properties file = new Properties();
            try (InputStream in = Files.newInputStream(configFile)) {
                file.load(in); // ISO-8859-1 with \\u escapes, as Kafka's own tools read it
            }
            file.forEach((k, v) -> p.put(String.valueOf(k).trim(), String.valueOf(v).trim()));
        }
        int i = 0;
        for (String kv : properties) {
            i++;
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                // do not echo the argument: it may be a secret typed without its key
                throw new IllegalArgumentException("--producer-property expects key=value (occurrence " + i
                        + " has " + (eq == 0 ? "no key" : "no '='") + ")");
            }
            p.put(kv.substring(0, eq).trim(), kv.substring(eq + 1));
        }
        if (bootstrapServers != null) {
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        }
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    /** Whether a setting's value must never be shown: passwords, secrets, JAAS configs (which embed them), keys. */
    public static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("secret") || k.contains("sasl.jaas.config")
                || k.contains("token") || k.contains("credential") || k.equals("ssl.keystore.key")
                || k.endsWith(".key");
    }

    public static String mask(String key, Object value) {
        return isSecret(key) ? HIDDEN : String.valueOf(value);
    }

    /** {@code key=value} lines, sorted, secrets masked: safe to log. */
    public static String describe(Properties p) {
        Map<String, String> sorted = new TreeMap<>();
        p.forEach((k, v) -> sorted.put(String.valueOf(k), mask(String.valueOf(k), v)));
        StringBuilder sb = new StringBuilder();
        sorted.forEach((k, v) -> sb.append("  ").append(k).append('=').append(v).append('\n'));
        return sb.toString();
    }
}
