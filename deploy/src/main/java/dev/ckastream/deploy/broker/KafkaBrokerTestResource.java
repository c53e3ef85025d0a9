package dev.ckastream.deploy.broker;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The one way the services' integration tests get Kafka: a real embedded KRaft broker on 127.0.0.1,
 * shared by every test class of a test JVM (started once, stopped at JVM exit), and exposed to
 * Quarkus as {@code kafka.bootstrap.servers}.
 *
 * <p>Tests that need to stop and restart the broker (outage scenarios) reach it through {@link #broker()}.
 */
public final class KafkaBrokerTestResource implements QuarkusTestResourceLifecycleManager {

    private static EmbeddedKafkaBroker broker;

    public static synchronized EmbeddedKafkaBroker broker() {
        if (broker == null) {
            try {
                broker = new EmbeddedKafkaBroker(0, Files.createTempDirectory("ckastream-kafka-test")).start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot create a data directory for the test broker", e);
            }
            EmbeddedKafkaBroker started = broker;
            Runtime.getRuntime().addShutdownHook(new Thread(started::stopAndDeleteData, "test-broker-shutdown"));
        }
        return broker;
    }

    @Override
    public Map<String, String> start() {
        EmbeddedKafkaBroker running = broker();
        if (!running.isRunning()) {
            running.start();
        }
        return Map.of("kafka.bootstrap.servers", running.bootstrapServers());
    }

    @Override
    public void stop() {
        // The broker outlives a single Quarkus application: later test classes reuse it.
    }
}
