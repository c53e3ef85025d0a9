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
 * so a crash leaves either the old or the new file, never half of one. Writing is split in two
 * ({@link #stage}, {@link Staged#commit}) so that the owner of the state need hold it still only while it is
 * serialised, not during the fsyncs. The newest {@code keep} files are
 * kept; on read, a file whose checksum (or parse) fails is skipped for the next older one, while an intact
 * file its reader cannot read ({@link Unsupported}, e.g. another format version) stops the read with the
 * file's name: falling back past it would silently lose the newest state.
 */
public final class SnapshotFiles {

    private static final Pattern NAME = Pattern.compile("snapshot-(\\d{12})\\.bin");
    private static final Pattern UNFINISHED = Pattern.compile("\\.snapshot-\\d{12}\\.tmp");

    /**
     * What writing one snapshot cost: its size, the whole time, and the part of it during which the state was
     * held still (at most the serialisation, {@link #stage}; the owner of the state may release it earlier).
     */
    public record Written(Path file, long bytes, long nanos, long heldNanos) {
    }

    /** A snapshot whose bytes are written to its temporary file, not yet made durable or visible. */
    public final class Staged {
        private final Path tmp;
        private final Path target;
        private final long started;
        private final long stagingNanos;
        private boolean done;

        private Staged(Path tmp, Path target, long started, long stagingNanos) {
            this.tmp = tmp;
            this.target = target;
            this.started = started;
            this.stagingNanos = stagingNanos;
        }

        /** Time spent writing the payload (the state had to stay still for this part only). */
        public long stagingNanos() {
            return stagingNanos;
        }

        /**
         * fsyncs the file, renames it into place, fsyncs the directory and prunes old snapshots. Until this
         * returns, a crash leaves the previous snapshot as the newest.
         */
        public Written commit() throws IOException {
            if (done) {
                throw new IllegalStateException("already committed: " + tmp);
            }
            done = true;
            try {
                try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            fsyncDirectory();
            List<Path> all = files();
            for (int i = 0; i < all.size() - keep; i++) {
                Files.deleteIfExists(all.get(i));
            }
            return new Written(target, Files.size(target), System.nanoTime() - started, stagingNanos);
        }
    }

    /** Thrown by a {@link Reader} for an intact snapshot it cannot read (another format version). */
    public static final class Unsupported extends IOException {
        public Unsupported(String message) {
            super(message);
        }
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
    private long lastSequence;

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

    /** Writes one snapshot and makes it durable: {@link #stage} then {@link Staged#commit}. */
    public Written write(Writer payload) throws IOException {
        return stage(payload).commit();
    }

    /**
     * Writes the payload and its checksum to a new temporary file (in the page cache, not yet fsynced). The
     * caller that must hold its state still while it is serialised can release it after this and
     * {@link Staged#commit} outside. Snapshots are numbered in the order they are staged; staging a second
     * one before the first is committed is not supported.
     */
    public synchronized Staged stage(Writer payload) throws IOException {
        return stage(payload, () -> { });
    }

    /** {@link #stage(Writer)}, running {@code betweenWrites} after every buffer (1 MB) handed to the file; it may pause. */
    public synchronized Staged stage(Writer payload, Runnable betweenWrites) throws IOException {
        long started = System.nanoTime();
        Files.createDirectories(directory);
        long seq = Math.max(lastSequence, files().stream().mapToLong(SnapshotFiles::sequence).max().orElse(0)) + 1;
        lastSequence = seq;
        Path tmp = directory.resolve(String.format(".snapshot-%012d.tmp", seq));
        Path target = directory.resolve(String.format("snapshot-%012d.bin", seq));
        CRC32C crc = new CRC32C();
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            OutputStream raw = java.nio.channels.Channels.newOutputStream(channel);
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new CheckedOutputStream(
                    new NonClosing(raw, betweenWrites), crc), 1 << 20));
            payload.write(out);
            out.flush();
            ByteBuffer trailer = ByteBuffer.allocate(8).putLong(crc.getValue()).flip();
            while (trailer.hasRemaining()) {
                channel.write(trailer);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        return new Staged(tmp, target, started, System.nanoTime() - started);
    }

    /** Reads the newest snapshot that passes its checksum and parses; empty when there is none. */
    public <T> Optional<Loaded<T>> readLatest(Reader<T> reader) throws IOException {
        if (!Files.isDirectory(directory)) {
            return Optional.empty();
        }
        removeUnfinished();
        List<Path> all = files();
        List<String> skipped = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0; i--) {
            Path file = all.get(i);
            String problem = verify(file);
            if (problem == null) {
                try (DataInputStream in = new DataInputStream(new BufferedInputStream(
                        new BoundedInput(Files.newInputStream(file), Files.size(file) - 8), 1 << 20))) {
                    return Optional.of(new Loaded<>(reader.read(in), file, skipped));
                } catch (Unsupported e) {
                    throw new Unsupported(file.getFileName() + " is " + e.getMessage());
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

    /** Deletes temporary files that a crash between staging and committing left behind. */
    private void removeUnfinished() throws IOException {
        try (Stream<Path> list = Files.list(directory)) {
            for (Path tmp : list.filter(p -> UNFINISHED.matcher(p.getFileName().toString()).matches()).toList()) {
                Files.deleteIfExists(tmp);
            }
        }
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
        private final Runnable afterWrite;

        NonClosing(OutputStream out, Runnable afterWrite) {
            super(out);
            this.afterWrite = afterWrite;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            afterWrite.run();
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
