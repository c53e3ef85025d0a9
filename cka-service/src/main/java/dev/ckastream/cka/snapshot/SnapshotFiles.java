package dev.ckastream.cka.snapshot;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * Numbered snapshot files in one directory, written atomically and checked on read.
 *
 * <p>Layout of {@code snapshot-<seq>.bin}: the payload, then 8 bytes: the payload's CRC32C (as a long).
 * Writing goes to {@code .snapshot-<seq>.tmp}, is fsynced, renamed into place, and the directory is fsynced,
 * so a crash leaves either the old or the new file, never half of one. The newest {@code keep} files are
 * kept; on read, a file whose checksum (or parse) fails is skipped for the next older one.
 */
public final class SnapshotFiles {

    private static final Pattern NAME = Pattern.compile("snapshot-(\\d{12})\\.bin");

    /** What writing one snapshot cost. */
    public record Written(Path file, long bytes, long nanos) {
    }

    /** A snapshot that was read, and the newer ones that were skipped as corrupt (with why). */
    public record Loaded<T>(T state, Path file, List<String> skipped) {
    }

    @FunctionalInterface
    public interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    @FunctionalInterface
    public interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private final Path directory;
    private final int keep;

    public SnapshotFiles(Path directory, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be at least 1");
        }
        this.directory = directory;
        this.keep = keep;
    }

    public Path directory() {
        return directory;
    }

    public Written write(Writer payload) throws IOException {
        long started = System.nanoTime();
        Files.createDirectories(directory);
        long seq = files().stream().mapToLong(SnapshotFiles::sequence).max().orElse(0) + 1;
        Path tmp = directory.resolve(String.format(".snapshot-%012d.tmp", seq));
        Path target = directory.resolve(String.format("snapshot-%012d.bin", seq));
        CRC32C crc = new CRC32C();
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            OutputStream raw = java.nio.channels.Channels.newOutputStream(channel);
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new CheckedOutputStream(
                    new NonClosing(raw), crc), 1 << 20));
            payload.write(out);
            out.flush();
            ByteBuffer trailer = ByteBuffer.allocate(8).putLong(crc.getValue()).flip();
            while (trailer.hasRemaining()) {
                channel.write(trailer);
            }
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        fsyncDirectory();
        List<Path> all = files();
        for (int i = 0; i < all.size() - keep; i++) {
            Files.deleteIfExists(all.get(i));
        }
        return new Written(target, Files.size(target), System.nanoTime() - started);
    }

    /** Reads the newest snapshot that passes its checksum and parses; empty when there is none. */
    public <T> Optional<Loaded<T>> readLatest(Reader<T> reader) throws IOException {
        if (!Files.isDirectory(directory)) {
            return Optional.empty();
        }
        List<Path> all = files();
        List<String> skipped = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0; i--) {
            Path file = all.get(i);
            String problem = verify(file);
            if (problem == null) {
                try (DataInputStream in = new DataInputStream(new BufferedInputStream(
                        new BoundedInput(Files.newInputStream(file), Files.size(file) - 8), 1 << 20))) {
                    return Optional.of(new Loaded<>(reader.read(in), file, skipped));
                } catch (IOException | RuntimeException e) {
                    problem = "unreadable: " + e.getMessage();
                }
            }
            skipped.add(file.getFileName() + " (" + problem + ")");
        }
        if (!skipped.isEmpty()) {
            throw new IOException("no usable snapshot in " + directory + ": " + String.join(", ", skipped));
        }
        return Optional.empty();
    }

    private static String verify(Path file) throws IOException {
        long size = Files.size(file);
        if (size < 8) {
            return "truncated: " + size + " bytes";
        }
        CRC32C crc = new CRC32C();
        try (InputStream in = new CheckedInputStream(new BoundedInput(Files.newInputStream(file), size - 8), crc)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        long stored;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer trailer = ByteBuffer.allocate(8);
            channel.read(trailer, size - 8);
            stored = trailer.flip().getLong();
        }
        return stored == crc.getValue() ? null : "checksum mismatch (truncated or corrupt)";
    }

    private List<Path> files() throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(directory)) {
            return list.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingLong(SnapshotFiles::sequence)).toList();
        }
    }

    private static long sequence(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private void fsyncDirectory() {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException notSupported) {
            // Some file systems cannot fsync a directory; the rename is still atomic.
        }
    }

    /** Stops the checked stream from closing the channel before the trailer is written. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }

    /** Reads at most {@code limit} bytes (the payload, without the checksum trailer). */
    private static final class BoundedInput extends java.io.FilterInputStream {
        private long remaining;

        BoundedInput(InputStream in, long limit) {
            super(in);
            this.remaining = limit;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }
    }

}
