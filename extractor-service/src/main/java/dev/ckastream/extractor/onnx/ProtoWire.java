package dev.ckastream.extractor.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal protobuf wire-format reader (varint, 64-bit, length-delimited, 32-bit fields) and writer (varint and
 * length-delimited fields), enough to read and extend ONNX {@code ModelProto}s without a protobuf dependency. The reader never copies field payloads:
 * a {@link Field} is an (offset, length) view into the original array, so a 130 MB model is scanned in place.
 */
public final class ProtoWire {

    public static final int VARINT = 0;
    public static final int FIXED64 = 1;
    public static final int LEN = 2;
    public static final int FIXED32 = 5;

    private ProtoWire() {
    }

    /** One field of a message: number, wire type, and either a varint value or a payload view. */
    public record Field(int number, int wireType, long varint, byte[] buf, int tagStart, int start, int end) {
        public String string() {
            return new String(buf, start, end - start, StandardCharsets.UTF_8);
        }

        /** Length-delimited payload parsed as an embedded message. */
        public List<Field> message() {
            return parse(buf, start, end);
        }

        /** A repeated int64 field, packed or not: the values it holds. */
        public List<Long> int64s() {
            List<Long> values = new ArrayList<>();
            if (wireType == VARINT) {
                values.add(varint);
            } else if (wireType == LEN) {
                int[] pos = {start};
                while (pos[0] < end) {
                    values.add(readVarint(buf, pos, end));
                }
            } else {
                throw new IllegalStateException("field " + number + ": wire type " + wireType + " is not an int64");
            }
            return values;
        }
    }

    /** Parses the fields of the message held in {@code buf[from, to)}. */
    public static List<Field> parse(byte[] buf, int from, int to) {
        List<Field> fields = new ArrayList<>();
        int[] pos = {from};
        while (pos[0] < to) {
            int tagStart = pos[0];
            long tag = readVarint(buf, pos, to);
            int number = (int) (tag >>> 3);
            int wireType = (int) (tag & 7);
            if (number <= 0) {
                throw new IllegalArgumentException("invalid protobuf field number " + number + " at offset " + tagStart);
            }
            switch (wireType) {
                case VARINT -> {
                    int start = pos[0];
                    long v = readVarint(buf, pos, to);
                    fields.add(new Field(number, wireType, v, buf, tagStart, start, pos[0]));
                }
                case FIXED64 -> {
                    fields.add(new Field(number, wireType, 0, buf, tagStart, pos[0], checkedEnd(pos[0], 8, to)));
                    pos[0] += 8;
                }
                case FIXED32 -> {
                    fields.add(new Field(number, wireType, 0, buf, tagStart, pos[0], checkedEnd(pos[0], 4, to)));
                    pos[0] += 4;
                }
                case LEN -> {
                    long len = readVarint(buf, pos, to);
                    if (len < 0 || len > to - pos[0]) {
                        throw new IllegalArgumentException("truncated length-delimited field " + number + " at offset " + tagStart);
                    }
                    int start = pos[0];
                    pos[0] += (int) len;
                    fields.add(new Field(number, wireType, 0, buf, tagStart, start, pos[0]));
                }
                default -> throw new IllegalArgumentException("unsupported protobuf wire type " + wireType + " at offset " + tagStart);
            }
        }
        return fields;
    }

    private static int checkedEnd(int start, int len, int to) {
        if (start + len > to) {
            throw new IllegalArgumentException("truncated fixed-width field at offset " + start);
        }
        return start + len;
    }

    static long readVarint(byte[] buf, int[] pos, int to) {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= to) {
                throw new IllegalArgumentException("truncated varint at offset " + pos[0]);
            }
            byte b = buf[pos[0]++];
            result |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new IllegalArgumentException("varint longer than 10 bytes at offset " + pos[0]);
    }

    /** Appends fields to a growing message. */
    public static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public Writer varint(int number, long value) {
            tag(number, VARINT);
            rawVarint(value);
            return this;
        }

        public Writer string(int number, String value) {
            return bytes(number, value.getBytes(StandardCharsets.UTF_8));
        }

        public Writer bytes(int number, byte[] value) {
            tag(number, LEN);
            rawVarint(value.length);
            out.writeBytes(value);
            return this;
        }

        public Writer message(int number, Writer message) {
            return bytes(number, message.toByteArray());
        }

        private void tag(int number, int wireType) {
            rawVarint(((long) number << 3) | wireType);
        }

        private void rawVarint(long value) {
            out.writeBytes(encodeVarint(value));
        }

        public byte[] toByteArray() {
            return out.toByteArray();
        }
    }

    public static byte[] encodeVarint(long value) {
        byte[] tmp = new byte[10];
        int n = 0;
        while ((value & ~0x7FL) != 0) {
            tmp[n++] = (byte) ((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        tmp[n++] = (byte) value;
        byte[] out = new byte[n];
        System.arraycopy(tmp, 0, out, 0, n);
        return out;
    }

    /**
     * Returns a copy of {@code message} in which the payload of the length-delimited field {@code field} is
     * extended by {@code appended} (protobuf merges repeated fields by concatenation, so appending encoded
     * fields to an embedded message adds elements to its repeated fields). Everything else is copied verbatim.
     */
    public static byte[] appendToEmbedded(byte[] message, Field field, byte[] appended) {
        if (field.wireType() != LEN || field.buf() != message) {
            throw new IllegalArgumentException("not a length-delimited field of this message");
        }
        int oldLen = field.end() - field.start();
        byte[] tag = encodeVarint(((long) field.number() << 3) | LEN);
        byte[] len = encodeVarint((long) oldLen + appended.length);
        long total = (long) field.tagStart() + tag.length + len.length + oldLen + appended.length
                + (message.length - field.end());
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("rewritten model exceeds 2 GB");
        }
        byte[] out = new byte[(int) total];
        int p = 0;
        System.arraycopy(message, 0, out, p, field.tagStart());
        p += field.tagStart();
        System.arraycopy(tag, 0, out, p, tag.length);
        p += tag.length;
        System.arraycopy(len, 0, out, p, len.length);
        p += len.length;
        System.arraycopy(message, field.start(), out, p, oldLen);
        p += oldLen;
        System.arraycopy(appended, 0, out, p, appended.length);
        p += appended.length;
        System.arraycopy(message, field.end(), out, p, message.length - field.end());
        return out;
    }
}
