package dev.ckastream.cka.snapshot;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The binary primitives every snapshot section is written with: big-endian numbers ({@link DataOutput}'s),
 * UTF-8 strings after their byte length, and arrays of doubles and floats as raw IEEE bits (exact, and in
 * chunks, since the co-moments are hundreds of MB). Reads check every length against a bound, so a
 * corrupt length fails with a message instead of a huge allocation.
 */
final class SnapshotBinary {

    private static final int CHUNK = 8192; // values per bulk write

    private SnapshotBinary() {
    }

    /** Writes one snapshot's sections. */
    static final class Out {
        private final DataOutput out;
        private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK * Double.BYTES);

        Out(DataOutput out) {
            this.out = out;
        }

        void writeInt(int v) throws IOException {
            out.writeInt(v);
        }

        void writeLong(long v) throws IOException {
            out.writeLong(v);
        }

        void writeDouble(double v) throws IOException {
            out.writeDouble(v);
        }

        void writeBoolean(boolean v) throws IOException {
            out.writeBoolean(v);
        }

        void writeString(String s) throws IOException {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            out.writeInt(bytes.length);
            out.write(bytes);
        }

        /** The first {@code length} values, without their count (the reader knows it from the shape). */
        void writeDoubles(double[] values, int length) throws IOException {
            for (int off = 0; off < length; off += CHUNK) {
                int count = Math.min(CHUNK, length - off);
                chunk.clear();
                chunk.asDoubleBuffer().put(values, off, count);
                out.write(chunk.array(), 0, count * Double.BYTES);
            }
        }

        void writeFloats(float[] values) throws IOException {
            for (int off = 0; off < values.length; off += CHUNK) {
                int count = Math.min(CHUNK, values.length - off);
                chunk.clear();
                chunk.asFloatBuffer().put(values, off, count);
                out.write(chunk.array(), 0, count * Float.BYTES);
            }
        }
    }

    /** Reads what {@link Out} wrote. */
    static final class In {
        private final DataInput in;
        private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK * Double.BYTES);

        In(DataInput in) {
            this.in = in;
        }

        int readInt() throws IOException {
            return in.readInt();
        }

        long readLong() throws IOException {
            return in.readLong();
        }

        double readDouble() throws IOException {
            return in.readDouble();
        }

        boolean readBoolean() throws IOException {
            return in.readBoolean();
        }

        byte readByte() throws IOException {
            return in.readByte();
        }

        /** A count or size in {@code [min, max]}; {@code what} names it in the error. */
        int readCount(int min, long max, String what) throws IOException {
            int v = in.readInt();
            if (v < min || v > max) {
                throw new IOException(what + " " + v + " outside [" + min + ", " + max + "]");
            }
            return v;
        }

        String readString() throws IOException {
            byte[] bytes = new byte[readCount(0, 16 << 20, "string length")];
            in.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }

        double[] readDoubles(int length) throws IOException {
            double[] values = new double[length];
            readDoubles(values, length);
            return values;
        }

        void readDoubles(double[] into, int length) throws IOException {
            for (int off = 0; off < length; off += CHUNK) {
                int count = Math.min(CHUNK, length - off);
                in.readFully(chunk.array(), 0, count * Double.BYTES);
                chunk.clear();
                chunk.asDoubleBuffer().get(into, off, count);
            }
        }

        float[] readFloats(int length) throws IOException {
            float[] values = new float[length];
            for (int off = 0; off < length; off += CHUNK) {
                int count = Math.min(CHUNK, length - off);
                in.readFully(chunk.array(), 0, count * Float.BYTES);
                chunk.clear();
                chunk.asFloatBuffer().get(values, off, count);
            }
            return values;
        }
    }
}
