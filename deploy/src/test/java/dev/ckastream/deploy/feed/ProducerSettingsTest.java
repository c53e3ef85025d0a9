package dev.ckastream.deploy.feed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProducerSettingsTest {
    @TempDir
    Path tmp;

    @Test
    void defaults() throws IOException {
        Properties p = ProducerSettings.build(null, null, List.of());
        assertEquals("127.0.0.1:9092", p.get("bootstrap.servers"));
        assertEquals("all", p.get("acks"));
        assertEquals("true", p.get("enable.idempotence"));
        assertEquals("org.apache.kafka.common.serialization.ByteArraySerializer", p.get("key.serializer"));
    }

    @Test
    void precedenceFileThenPropertiesThenExplicitBootstrap() throws IOException {
        Path file = tmp.resolve("client.properties");
        Files.writeString(file, "bootstrap.servers=file:9093\nsecurity.protocol=SASL_SSL\nlinger.ms=50\n"
                + "key.serializer=com.example.Nope\n");
        Properties p = ProducerSettings.build(null, file, List.of("linger.ms=7", "batch.size=1=2"));
        assertEquals("file:9093", p.get("bootstrap.servers"), "file wins over the default");
        assertEquals("SASL_SSL", p.get("security.protocol"));
        assertEquals("7", p.get("linger.ms"), "--producer-property wins over the file");
        assertEquals("1=2", p.get("batch.size"), "split at the first '='");
        assertEquals("org.apache.kafka.common.serialization.ByteArraySerializer", p.get("key.serializer"));
        p = ProducerSettings.build("cli:9094", file, List.of("bootstrap.servers=prop:1"));
        assertEquals("cli:9094", p.get("bootstrap.servers"), "explicit --bootstrap-servers wins");
    }

    @Test
    void malformedPropertyDoesNotEchoTheArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProducerSettings.build(null, null, List.of("a=b", "hunter2")));
        assertTrue(e.getMessage().contains("occurrence 2"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ProducerSettings.build(null, tmp.resolve("missing.properties"), List.of()));
    }

    @Test
    void secretsAreMasked() throws IOException {
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" "
                + "password=\"s3cr3t-jaas\";";
        Properties p = ProducerSettings.build(null, null, List.of(
                "sasl.jaas.config=" + jaas,
                "ssl.truststore.password=s3cr3t-trust",
                "ssl.key.password=s3cr3t-key",
                "sasl.oauthbearer.client.credentials.client.secret=s3cr3t-oauth",
                "ssl.keystore.key=s3cr3t-pem",
                "SSL.KEYSTORE.PASSWORD=s3cr3t-upper",
                "security.protocol=SASL_SSL",
                "sasl.mechanism=PLAIN"));
        String described = ProducerSettings.describe(p);
        assertFalse(described.contains("s3cr3t"), described);
        assertTrue(described.contains("sasl.jaas.config=[hidden]"), described);
        assertTrue(described.contains("ssl.truststore.password=[hidden]"), described);
        assertTrue(described.contains("security.protocol=SASL_SSL"), described);
        assertTrue(described.contains("sasl.mechanism=PLAIN"), described);
        assertTrue(described.contains("bootstrap.servers=127.0.0.1:9092"), described);
        assertEquals("[hidden]", ProducerSettings.mask("my.Secret.thing", "v"));
        assertEquals("v", ProducerSettings.mask("acks", "v"));
    }
}
