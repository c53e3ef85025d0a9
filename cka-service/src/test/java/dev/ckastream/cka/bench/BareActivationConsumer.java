package dev.ckastream.cka.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import dev.ckastream.contract.ActivationRecord;
import dev.ckastream.contract.InvalidActivation;

/**
 * The least any consumer of the activation topics does, in a JVM of its own as the service has: a plain
 * {@link KafkaConsumer} (the service's fetch settings) reads both topics from the beginning and decodes every
 * record with the contract's decoder, nothing more. {@link ScoringServiceBenchmark} runs it after a service run on
 * the same broker and data, so that its CPU per pair says how much of the service's cost beyond the bare update
 * any Kafka consumer pays here.
 *
 * <p>{@code java ... BareActivationConsumer BOOTSTRAP RECORDS}: reads the RECORDS records once to warm up (the JIT
 * compiles the client, as during the service's warm-up), then again from the beginning, timed. Prints one line for
 * the second pass: {@code records R thread-cpu-nanos T process-cpu-nanos P seconds S}: the consuming thread's CPU
 * (the classic consumer fetches on it: the least any consumer spends) and the whole JVM's (with its JIT and GC).
 */
public final class BareActivationConsumer {

    private BareActivationConsumer() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        long records = Long.parseLong(args[1]);
        Map<String, Object> c = Map.of("bootstrap.servers", bootstrap, "group.id", "bare-" + UUID.randomUUID(),
                "auto.offset.reset", "earliest", "enable.auto.commit", "false", "max.poll.records", 1024,
                "max.partition.fetch.bytes", 16 << 20, "fetch.max.bytes", 32 << 20);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("activations.pretrained", "activations.finetuned"));
            read(consumer, records);
            consumer.seekToBeginning(consumer.assignment());
            long thread = threads.getCurrentThreadCpuTime();
            long process = processCpuNanos();
            long started = System.nanoTime();
            read(consumer, records);
            System.out.printf("records %d thread-cpu-nanos %d process-cpu-nanos %d seconds %.3f%n", records,
                    threads.getCurrentThreadCpuTime() - thread, processCpuNanos() - process,
                    (System.nanoTime() - started) / 1e9);
        }
    }

    /** Polls until {@code records} records are read, decoding each; fails after 10 minutes. */
    private static void read(KafkaConsumer<byte[], byte[]> consumer, long records) {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        long read = 0;
        long floats = 0;
        while (read < records) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("read " + read + " of " + records + " records in 10 minutes");
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                try {
                    floats += ActivationRecord.decode(r.key(), r.value(), r.headers()).pooled().length;
                } catch (InvalidActivation e) {
                    throw new IllegalStateException("the benchmark's own record is invalid: " + e.getMessage(), e);
                }
                read++;
            }
        }
        if (floats == 0) {
            throw new IllegalStateException("no values decoded");
        }
    }

    private static long processCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElseThrow();
    }
}
