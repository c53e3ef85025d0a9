package dev.ckastream.cka.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import com.fasterxml.jackson.databind.JsonNode;

import dev.ckastream.cka.math.OfflineCka;

/**
 * Synthetic pooled activations for both checkpoints (layers × dim floats per review, the second checkpoint's
 * first two layers correlated with the first's), their records on the wire, and the offline CKA they must give.
 */
final class ActivationPairs {

    final int layers;
    final int dim;
    final String prefix;
    final float[][][] pooled;

    ActivationPairs(int reviews, int layers, int dim, long seed, String prefix) {
        this.layers = layers;
        this.dim = dim;
        this.prefix = prefix;
        this.pooled = new float[reviews][2][];
        Random random = new Random(seed);
        for (int r = 0; r < reviews; r++) {
            pooled[r][0] = new float[layers * dim];
            pooled[r][1] = new float[layers * dim];
            for (int k = 0; k < layers * dim; k++) {
                pooled[r][0][k] = (float) (random.nextGaussian() + (k % dim == 0 ? 50 : 0));
                pooled[r][1][k] = (float) (k / dim < 2 ? 0.5 * pooled[r][0][k] + 0.2 * random.nextGaussian()
                        : random.nextGaussian());
            }
        }
    }

    int size() {
        return pooled.length;
    }

    String id(int review) {
        return prefix + review;
    }

    /** The record of one review's half: side 0 to activations.pretrained, 1 to activations.finetuned. */
    ProducerRecord<byte[], byte[]> record(int review, int side) {
        String topic = side == 0 ? "activations.pretrained" : "activations.finetuned";
        return new ProducerRecord<>(topic, null, id(review).getBytes(StandardCharsets.UTF_8), floats(pooled[review][side]),
                headers(layers, dim, side == 0 ? "aaaa" : "bbbb"));
    }

    static RecordHeaders headers(int layers, int dim, String model) {
        RecordHeaders h = new RecordHeaders();
        h.add("layers", Integer.toString(layers).getBytes(StandardCharsets.US_ASCII));
        h.add("dim", Integer.toString(dim).getBytes(StandardCharsets.US_ASCII));
        h.add("tokens", "10".getBytes(StandardCharsets.US_ASCII));
        h.add("model", model.getBytes(StandardCharsets.US_ASCII));
        return h;
    }

    static byte[] floats(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    /** Asserts every entry of {@code cka} and {@code ckaDebiased} against the offline computation over all reviews. */
    void assertScoresMatchOffline(JsonNode scores, double tolerance) {
        for (int i = 0; i < layers; i++) {
            for (int j = 0; j < layers; j++) {
                double[][] x = layer(0, i);
                double[][] y = layer(1, j);
                assertEquals(OfflineCka.linearCka(x, y), scores.get("cka").get(i).get(j).asDouble(), tolerance,
                        "cka[" + i + "][" + j + "]");
                assertEquals(OfflineCka.debiasedCka(x, y), scores.get("ckaDebiased").get(i).get(j).asDouble(), tolerance,
                        "ckaDebiased[" + i + "][" + j + "]");
            }
        }
    }

    private double[][] layer(int side, int layer) {
        double[][] x = new double[pooled.length][dim];
        for (int r = 0; r < pooled.length; r++) {
            for (int d = 0; d < dim; d++) {
                x[r][d] = pooled[r][side][layer * dim + d];
            }
        }
        return x;
    }
}
