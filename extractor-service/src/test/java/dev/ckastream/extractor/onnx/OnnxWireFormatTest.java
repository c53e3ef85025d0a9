package dev.ckastream.extractor.onnx;

import dev.ckastream.extractor.onnx.ProtoWire.Field;
import dev.ckastream.extractor.onnx.ProtoWire.Writer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The protobuf reader/writer, graph parsing and the LayerNorm search, on hand-encoded messages and tiny synthetic models. */
class OnnxWireFormatTest {

    @Test
    void varintsRoundTrip() {
        for (long v : new long[] {0, 1, 127, 128, 300, 16383, 16384, Integer.MAX_VALUE, 1L << 35, Long.MAX_VALUE, -1, -300}) {
            byte[] enc = ProtoWire.encodeVarint(v);
            int[] pos = {0};
            assertEquals(v, ProtoWire.readVarint(enc, pos, enc.length), "value " + v);
            assertEquals(enc.length, pos[0]);
        }
        assertArrayEquals(new byte[] {(byte) 0xAC, 0x02}, ProtoWire.encodeVarint(300));
        assertEquals(10, ProtoWire.encodeVarint(-1).length);
    }

    @Test
    void writerOutputParsesBack() {
        // field 3 fixed32 1.5f = 1d 00 00 c0 3f (the writer has no 32-bit fields; ONNX models do)
        byte[] head = new Writer().varint(1, 150).string(2, "testing").toByteArray();
        byte[] fixed32 = {0x1d, 0x00, 0x00, (byte) 0xc0, 0x3f};
        byte[] tail = new Writer().message(4, new Writer().varint(1, 7)).toByteArray();
        byte[] msg = new byte[head.length + fixed32.length + tail.length];
        System.arraycopy(head, 0, msg, 0, head.length);
        System.arraycopy(fixed32, 0, msg, head.length, fixed32.length);
        System.arraycopy(tail, 0, msg, head.length + fixed32.length, tail.length);
        // Known encodings: field 1 varint 150 = 08 96 01; field 2 "testing" = 12 07 74 65 73 74 69 6e 67
        assertArrayEquals(new byte[] {0x08, (byte) 0x96, 0x01, 0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'},
                Arrays.copyOf(msg, 12));
        List<Field> fields = ProtoWire.parse(msg, 0, msg.length);
        assertEquals(4, fields.size());
        assertEquals(150, fields.get(0).varint());
        assertEquals("testing", fields.get(1).string());
        assertEquals(ProtoWire.FIXED32, fields.get(2).wireType());
        assertEquals(1.5f, java.nio.ByteBuffer.wrap(msg, fields.get(2).start(), 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getFloat());
        assertEquals(7, fields.get(3).message().get(0).varint());
    }

    @Test
    void truncatedInputIsRejected() {
        byte[] msg = new Writer().string(2, "testing").toByteArray();
        assertThrows(IllegalArgumentException.class, () -> ProtoWire.parse(msg, 0, msg.length - 1));
        assertThrows(IllegalArgumentException.class, () -> OnnxGraph.parse(new byte[] {0x08, 0x01}));
    }

    @Test
    void appendToEmbeddedGrowsOnlyThatFieldAndKeepsTheRest() {
        byte[] inner = new Writer().varint(1, 1).toByteArray();
        byte[] msg = new Writer().varint(1, 42).bytes(7, inner).string(9, "tail").toByteArray();
        Field seven = ProtoWire.parse(msg, 0, msg.length).get(1);
        byte[] longAppend = new byte[200]; // forces a 2-byte length varint
        Writer extra = new Writer();
        for (int i = 0; i < 100; i++) {
            extra.varint(1, i + 2);
        }
        byte[] out = ProtoWire.appendToEmbedded(msg, seven, extra.toByteArray());
        List<Field> fields = ProtoWire.parse(out, 0, out.length);
        assertEquals(3, fields.size());
        assertEquals(42, fields.get(0).varint());
        assertEquals("tail", fields.get(2).string());
        List<Field> grown = fields.get(1).message();
        assertEquals(101, grown.size());
        assertEquals(1, grown.get(0).varint());
        assertEquals(101, grown.get(100).varint());
        assertEquals(200, longAppend.length);
    }

    @Test
    void tinyModelParsesAndLayerNormsAreFoundInGraphOrder() {
        OnnxGraph g = OnnxGraph.parse(TinyModels.model(true, "/encoder/layer.0/"));
        assertEquals(17L, g.opsets().get(""));
        assertEquals(1L, g.opsets().get("com.microsoft"));
        assertEquals(6, g.nodes().size());
        assertEquals(List.of("ln0", "ln1", "last_hidden_state"), LayerNormSearch.layerNormOutputs(g));
        assertEquals(List.of("ln0", "last_hidden_state"), LayerNormSearch.taps(LayerNormSearch.layerNormOutputs(g)));
        assertEquals(1, LayerNormSearch.blockCountFromNames(g));
        assertArrayEquals(new long[] {16, 4}, g.initializers().get("W").dims());
    }
}
