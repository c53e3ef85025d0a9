package dev.ckastream.deploy.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerTest {

    @TempDir
    Path data;

    @Test
    void recordsSurviveARestartOnTheSameDataDirectory() throws Exception {
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(0, data).start();
        try {
            produce(broker, "survivors", List.of("a", "b", "c"));
            broker.stop();
            assertFalse(broker.isRunning());
            broker.start();
            assertEquals(List.of("a", "b", "c"), consumeAll(broker, "survivors", 3));
        } finally {
            broker.stopAndDeleteData();
        }
    }

    @Test
    void aTakenPortIsAClearStartupError() throws Exception {
        try (EmbeddedKafkaBroker first = new EmbeddedKafkaBroker(0, data.resolve("one")).start()) {
            EmbeddedKafkaBroker second = new EmbeddedKafkaBroker(first.port(), data.resolve("two"));
            IllegalStateException e = assertThrows(IllegalStateException.class, second::start);
            assertEquals(true, e.getMessage().contains("127.0.0.1:" + first.port()), e.getMessage());
        }
    }

    @Test
    void aSaslPlainListenerAcceptsItsUsersOnly() throws Exception {
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(0, data).withSaslPlain(Map.of("alice", "alice-pw-1"))
                .start()) {
            Properties alice = sasl(broker, "alice", "alice-pw-1");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(alice, new StringSerializer(),
                    new StringSerializer())) {
                producer.send(new ProducerRecord<>("through-sasl", "k", "v")).get();
            }
            Properties wrong = sasl(broker, "alice", "not-her-password");
            wrong.put("max.block.ms", "5000");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(wrong, new StringSerializer(),
                    new StringSerializer())) {
                var e = assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> producer.send(new ProducerRecord<>("through-sasl", "k", "v")).get());
                assertEquals(org.apache.kafka.common.errors.SaslAuthenticationException.class, e.getCause().getClass(),
                        String.valueOf(e.getCause()));
            }
            assertEquals(List.of("v"), consumeAll(broker, "through-sasl", 1));
        }
    }

    private static Properties sasl(EmbeddedKafkaBroker broker, String user, String password) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.saslBootstrapServers());
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", "PLAIN");
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + user + "\" password=\"" + password + "\";");
        p.put("acks", "all");
        return p;
    }

    private static void produce(EmbeddedKafkaBroker broker, String topic, List<String> values) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("acks", "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (String v : values) {
                producer.send(new ProducerRecord<>(topic, v, v)).get();
            }
        }
    }

    private static List<String> consumeAll(EmbeddedKafkaBroker broker, String topic, int expected) {
        Map<String, Object> c = Map.of("bootstrap.servers", broker.bootstrapServers(), "group.id", "t",
                "auto.offset.reset", "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(new String(r.value().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
                }
            }
        }
        return values;
    }
}
