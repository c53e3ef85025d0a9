package dev.ckastream.extractor.onnx;

import static dev.ckastream.extractor.onnx.OnnxGraph.GRAPH_INITIALIZER;
import static dev.ckastream.extractor.onnx.OnnxGraph.GRAPH_NODE;
import static dev.ckastream.extractor.onnx.OnnxGraph.MODEL_GRAPH;
import static dev.ckastream.extractor.onnx.OnnxGraph.TENSOR_DATA_TYPE;
import static dev.ckastream.extractor.onnx.OnnxGraph.TENSOR_NAME;
import static dev.ckastream.extractor.onnx.OnnxGraph.TENSOR_RAW_DATA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.ckastream.extractor.model.CheckpointFiles;
import dev.ckastream.extractor.onnx.ProtoWire.Field;
import dev.ckastream.extractor.onnx.ProtoWire.Writer;

/**
 * {@link WeightInterpolation} on the two real bge-small-en releases (same graph, every one of their 197
 * initializers a float32 weight that differs), checked against float values decoded here with a ByteBuffer, and on
 * tiny models changed in one place each.
 */
class WeightInterpolationTest {

    private static byte[] bge;
    private static byte[] bgeV15;
    private static WeightInterpolation line;

    @BeforeAll
    static void load() {
        bge = CheckpointFiles.readModel("classpath:bge-small-en.onnx");
        bgeV15 = CheckpointFiles.readModel("classpath:bge-small-en-v1.5.onnx");
        long started = System.nanoTime();
        line = WeightInterpolation.of(bge, bgeV15);
        System.out.printf("bge-small-en ~ v1.5: checked in %.3f s%n", (System.nanoTime() - started) / 1e9);
    }

    /** Each initializer's raw_data field, by name, and its data type; read with the wire reader only. */
    private record Tensor(int dataType, Field rawData) {
        FloatBuffer floats() {
            return ByteBuffer.wrap(rawData.buf(), rawData.start(), rawData.end() - rawData.start())
                    .slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        }
    }

    private static Map<String, Tensor> initializers(byte[] model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Field top : ProtoWire.parse(model, 0, model.length)) {
            if (top.number() != MODEL_GRAPH) {
                continue;
            }
            for (Field g : top.message()) {
                if (g.number() != GRAPH_INITIALIZER) {
                    continue;
                }
                String name = null;
                int dataType = 0;
                Field raw = null;
                for (Field t : g.message()) {
                    switch (t.number()) {
                        case TENSOR_NAME -> name = t.string();
                        case TENSOR_DATA_TYPE -> dataType = (int) t.varint();
                        case TENSOR_RAW_DATA -> raw = t;
                        default -> {
                        }
                    }
                }
                out.put(name, new Tensor(dataType, raw));
            }
        }
        return out;
    }

    private static byte[] bytes(Field f) {
        return Arrays.copyOfRange(f.buf(), f.start(), f.end());
    }

    @Test
    void theEndsAreTheTwoModelsByteForByte() {
        assertEquals(197, line.floatInitializers());
        assertEquals(33_212_160L, line.floatWeights());
        Map<String, Tensor> start = initializers(bge);
        Map<String, Tensor> end = initializers(bgeV15);
        assertEquals(197, start.size());
        Map<String, Tensor> at0 = initializers(line.at(0));
        Map<String, Tensor> at1 = initializers(line.at(1));
        assertEquals(start.keySet(), at0.keySet());
        assertEquals(start.keySet(), at1.keySet());
        for (String name : start.keySet()) {
            assertEquals(OnnxGraph.FLOAT, start.get(name).dataType(), name);
            assertArrayEquals(bytes(start.get(name).rawData()), bytes(at0.get(name).rawData()), "t = 0: " + name);
            assertArrayEquals(bytes(end.get(name).rawData()), bytes(at1.get(name).rawData()), "t = 1: " + name);
        }
        // The two releases differ in nothing but their weights, so the ends are the files themselves.
        assertArrayEquals(bge, line.at(0));
        assertArrayEquals(bgeV15, line.at(1));
    }

    @Test
    void theMiddleIsEveryWeightsCorrectlyRoundedFloatMidpoint() {
        long started = System.nanoTime();
        byte[] middle = line.at(0.5);
        System.out.printf("bge-small-en t = 0.5: interpolated in %.3f s%n", (System.nanoTime() - started) / 1e9);
        assertEquals(bge.length, middle.length);
        Map<String, Tensor> start = initializers(bge);
        Map<String, Tensor> end = initializers(bgeV15);
        Map<String, Tensor> mid = initializers(middle);
        long weights = 0;
        long strictlyBetween = 0;
        for (String name : start.keySet()) {
            FloatBuffer a = start.get(name).floats();
            FloatBuffer b = end.get(name).floats();
            FloatBuffer m = mid.get(name).floats();
            assertEquals(a.remaining(), m.remaining(), name);
            for (int i = 0; i < a.remaining(); i++) {
                // (a + b) / 2 is exact in double for float a, b; one rounding to float gives the midpoint
                float expected = (float) (((double) a.get(i) + b.get(i)) / 2);
                if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(m.get(i))) {
                    throw new AssertionError(name + "[" + i + "]: " + m.get(i) + ", midpoint of " + a.get(i) + " and "
                            + b.get(i) + " is " + expected);
                }
                if (m.get(i) != a.get(i) && m.get(i) != b.get(i)) {
                    strictlyBetween++;
                }
                weights++;
            }
        }
        assertEquals(line.floatWeights(), weights);
        assertTrue(strictlyBetween > weights / 2, "most weights move: " + strictlyBetween + " of " + weights);
        // the graph is the start's: everything outside the float data is the same bytes
        assertEquals(OnnxGraph.parse(bge).nodes(), OnnxGraph.parse(middle).nodes());
    }

    @Test
    void aQuarterOfTheWayIsWithinTheRoundingOfTheFloatFormula() {
        Map<String, Tensor> start = initializers(bge);
        Map<String, Tensor> end = initializers(bgeV15);
        String name = start.keySet().iterator().next();
        FloatBuffer q = initializers(line.at(0.25)).get(name).floats();
        FloatBuffer a = start.get(name).floats();
        FloatBuffer b = end.get(name).floats();
        for (int i = 0; i < a.remaining(); i++) {
            double exact = 0.75 * a.get(i) + 0.25 * b.get(i);
            // fl(fl(0.75 a) + 0.25 b): 0.25 b is exact, the two roundings add at most half an ulp each
            double bound = 0.5 * Math.ulp(0.75f * a.get(i)) + 0.5 * Math.ulp(q.get(i));
            if (!(Math.abs(q.get(i) - exact) <= bound)) {
                throw new AssertionError(name + "[" + i + "]: " + q.get(i) + " vs " + exact);
            }
        }
    }

    @Test
    void tIsInTheUnitInterval() {
        for (double t : new double[] {-0.01, 1.01, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> line.at(t));
            assertTrue(e.getMessage().contains("[0, 1]"), e.getMessage());
        }
    }

    @Test
    void anotherArchitectureIsRefusedNamingTheDifference() {
        byte[] minilm = CheckpointFiles.readModel("classpath:all-minilm-l6-v2.onnx");
        WeightInterpolation.Mismatch e = assertThrows(WeightInterpolation.Mismatch.class,
                () -> WeightInterpolation.of(bge, minilm));
        assertEquals("opset imports differ: {ai.onnx=11} in start, {ai.onnx=14} in end", e.getMessage());
    }

    private static final byte[] TINY = TinyModels.model(true, "");

    private static boolean isInitializer(Field graphField, String name) {
        if (graphField.number() != GRAPH_INITIALIZER) {
            return false;
        }
        return graphField.message().stream().anyMatch(f -> f.number() == TENSOR_NAME && f.string().equals(name));
    }

    private static byte[] tinyWith(Writer added) {
        return TinyModels.rewriteGraph(TINY, f -> null, added);
    }

    @Test
    void aModelWithOneInitializerLessIsRefused() {
        byte[] withoutC = TinyModels.rewriteGraph(TINY, f -> isInitializer(f, "c") ? new Writer() : null, new Writer());
        assertEquals("initializer c is in start but not in end",
                assertThrows(WeightInterpolation.Mismatch.class, () -> WeightInterpolation.of(TINY, withoutC)).getMessage());
        assertEquals("initializer c is in end but not in start",
                assertThrows(WeightInterpolation.Mismatch.class, () -> WeightInterpolation.of(withoutC, TINY)).getMessage());
    }

    @Test
    void graphsThatComputeDifferentlyAreRefused() {
        byte[] nodeLess = TinyModels.rewriteGraph(TINY, f -> isNode(f, "ffn/Mul") ? new Writer() : null, new Writer());
        assertEquals("node count differs: 6 in start, 5 in end", assertThrows(WeightInterpolation.Mismatch.class,
                () -> WeightInterpolation.of(TINY, nodeLess)).getMessage());
        byte[] twoLayerNorms = TinyModels.model(false, "");
        assertTrue(assertThrows(WeightInterpolation.Mismatch.class, () -> WeightInterpolation.of(TINY, twoLayerNorms))
                .getMessage().startsWith("graph outputs differ: "));

        // the same node count, one op changed: the third node's Mul becomes an Add
        byte[] addInsteadOfMul = TinyModels.rewriteGraph(TINY, f -> isNode(f, "attn/Mul")
                ? new Writer().message(GRAPH_NODE, OnnxProtos.node("attn/Mul", "Add", "", List.of("ln0", "c"), List.of("m1")))
                : null, new Writer());
        assertEquals("node 2 (attn/Mul): op types differ: Mul in start, Add in end",
                assertThrows(WeightInterpolation.Mismatch.class, () -> WeightInterpolation.of(TINY, addInsteadOfMul))
                        .getMessage());
        // and an attribute added to it
        byte[] withAttribute = TinyModels.rewriteGraph(TINY, f -> isNode(f, "attn/Mul")
                ? new Writer().message(GRAPH_NODE, OnnxProtos.node("attn/Mul", "Mul", "", List.of("ln0", "c"), List.of("m1"),
                OnnxProtos.intAttribute("broadcast", 1)))
                : null, new Writer());
        assertEquals("node 2 (attn/Mul): attributes differ",
                assertThrows(WeightInterpolation.Mismatch.class, () -> WeightInterpolation.of(TINY, withAttribute))
                        .getMessage());
    }

    private static boolean isNode(Field graphField, String name) {
        return graphField.number() == GRAPH_NODE
                && graphField.message().stream().anyMatch(f -> f.number() == OnnxGraph.NODE_NAME && f.string().equals(name));
    }

    @Test
    void shapesAndNonFloatInitializersMustAgree() {
        byte[] two = tinyWith(new Writer().message(GRAPH_INITIALIZER,
                TinyModels.floatTensor("extra", new long[] {2}, new float[] {1, 2})));
        byte[] three = tinyWith(new Writer().message(GRAPH_INITIALIZER,
                TinyModels.floatTensor("extra", new long[] {3}, new float[] {1, 2, 3})));
        assertEquals("initializer extra: shapes differ: [2] in start, [3] in end",
                assertThrows(WeightInterpolation.Mismatch.class, () -> WeightInterpolation.of(two, three)).getMessage());

        byte[] shape = tinyWith(new Writer().message(GRAPH_INITIALIZER, TinyModels.int64Tensor("shape", new long[] {2}, 1, 4)));
        byte[] otherShape = tinyWith(new Writer().message(GRAPH_INITIALIZER,
                TinyModels.int64Tensor("shape", new long[] {2}, 1, 8)));
        assertEquals("initializer shape (data type 7, not float32, so not interpolated) holds different values in start"
                + " and end", assertThrows(WeightInterpolation.Mismatch.class,
                () -> WeightInterpolation.of(shape, otherShape)).getMessage());
        byte[] floatShape = tinyWith(new Writer().message(GRAPH_INITIALIZER,
                TinyModels.floatTensor("shape", new long[] {2}, new float[] {1, 4})));
        assertEquals("initializer shape: data types differ: 7 in start, 1 in end",
                assertThrows(WeightInterpolation.Mismatch.class, () -> WeightInterpolation.of(shape, floatShape)).getMessage());

        // equal int64 initializers are kept as they are, the float ones interpolated
        byte[] scaled = TinyModels.rewriteGraph(shape, f -> isInitializer(f, "c") ? new Writer().message(GRAPH_INITIALIZER,
                TinyModels.floatTensor("c", new long[] {TinyModels.DIM}, new float[] {10, 20, 30, 40})) : null, new Writer());
        WeightInterpolation tiny = WeightInterpolation.of(shape, scaled);
        assertEquals(5, tiny.floatInitializers());
        Map<String, Tensor> mid = initializers(tiny.at(0.5));
        assertArrayEquals(bytes(initializers(shape).get("shape").rawData()), bytes(mid.get("shape").rawData()));
        FloatBuffer c = mid.get("c").floats();
        FloatBuffer c0 = initializers(shape).get("c").floats();
        for (int i = 0; i < TinyModels.DIM; i++) {
            assertEquals((float) ((c0.get(i) + 10.0 * (i + 1)) / 2), c.get(i), "c[" + i + "]");
        }
    }

    @Test
    void nodeNamesMayDifferAndAreTheStartsInTheResult() {
        byte[] named = TinyModels.model(true, "/encoder/layer.0/");
        WeightInterpolation tiny = WeightInterpolation.of(TINY, named);
        List<String> names = OnnxGraph.parse(tiny.at(0.5)).nodes().stream().map(OnnxGraph.Node::name).toList();
        assertEquals(OnnxGraph.parse(TINY).nodes().stream().map(OnnxGraph.Node::name).toList(), names);
    }
}
