package dev.ckastream.cka.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotFilesTest {

    @TempDir
    Path dir;

    @Test
    void aStagedSnapshotCountsOnlyOnceCommittedAndACrashBeforeThatLeavesThePreviousOne() throws IOException {
        SnapshotFiles files = new SnapshotFiles(dir, 2);
        files.write(out -> out.writeLong(1));
        SnapshotFiles.Staged staged = files.stage(out -> out.writeLong(2));
        assertTrue(staged.stagingNanos() > 0);
        // A crash now (staged, not committed): a new process finds the previous snapshot and clears the rest.
        assertEquals(1L, new SnapshotFiles(dir, 2).readLatest(in -> in.readLong()).orElseThrow().state());
        assertTrue(names().stream().noneMatch(n -> n.endsWith(".tmp")), names().toString());

        SnapshotFiles.Staged next = files.stage(out -> out.writeLong(3));
        SnapshotFiles.Written w = next.commit();
        assertEquals("snapshot-000000000003.bin", w.file().getFileName().toString(),
                "numbered after the staged one, committed or not");
        assertEquals(8 + 8, w.bytes());
        assertTrue(w.nanos() >= w.heldNanos());
        assertEquals(3L, files.readLatest(in -> in.readLong()).orElseThrow().state());
        assertThrows(IllegalStateException.class, next::commit);
        assertThrows(java.nio.file.NoSuchFileException.class, staged::commit, "its file was cleared");

        assertTrue(names().stream().noneMatch(n -> n.endsWith(".tmp")), names().toString());
        assertEquals("snapshot-000000000004.bin", files.write(out -> out.writeLong(5)).file().getFileName().toString());
        assertEquals(5L, files.readLatest(in -> in.readLong()).orElseThrow().state());
    }

    @Test
    void theNewestGoodSnapshotIsReadAndOnlyKeepAreKept() throws IOException {
        SnapshotFiles files = new SnapshotFiles(dir, 2);
        for (int i = 1; i <= 4; i++) {
            int value = i;
            SnapshotFiles.Written w = files.write(out -> out.writeInt(value));
            assertEquals(4 + 8, w.bytes());
        }
        assertEquals(2, names().size(), names().toString());
        assertEquals(4, files.readLatest(in -> in.readInt()).orElseThrow().state());
        assertTrue(names().stream().noneMatch(n -> n.endsWith(".tmp")));
    }

    @Test
    void aCorruptNewestSnapshotFallsBackToThePreviousOne() throws IOException {
        SnapshotFiles files = new SnapshotFiles(dir, 2);
        files.write(out -> out.writeLong(111));
        Path newest = files.write(out -> out.writeLong(222)).file();
        try (RandomAccessFile f = new RandomAccessFile(newest.toFile(), "rw")) {
            f.seek(3);
            f.write(0x5A); // one flipped byte
        }
        SnapshotFiles.Loaded<Long> loaded = files.readLatest(in -> in.readLong()).orElseThrow();
        assertEquals(111L, loaded.state());
        assertEquals(1, loaded.skipped().size());
        assertTrue(loaded.skipped().get(0).contains("checksum"), loaded.skipped().toString());
    }

    @Test
    void aTruncatedNewestSnapshotFallsBackToo() throws IOException {
        SnapshotFiles files = new SnapshotFiles(dir, 2);
        files.write(out -> out.writeLong(7));
        Path newest = files.write(out -> out.writeLong(8)).file();
        try (RandomAccessFile f = new RandomAccessFile(newest.toFile(), "rw")) {
            f.setLength(f.length() - 3);
        }
        assertEquals(7L, files.readLatest(in -> in.readLong()).orElseThrow().state());
    }

    @Test
    void noSnapshotIsEmptyButOnlyCorruptOnesAreAnError() throws IOException {
        SnapshotFiles files = new SnapshotFiles(dir, 1);
        assertTrue(files.readLatest(in -> in.readLong()).isEmpty());
        Path only = files.write(out -> out.writeLong(1)).file();
        Files.write(only, new byte[] { 1, 2, 3 });
        IOException e = assertThrows(IOException.class, () -> files.readLatest(in -> in.readLong()));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void aFailingWriterLeavesNoFileBehind() throws IOException {
        SnapshotFiles files = new SnapshotFiles(dir, 2);
        files.write(out -> out.writeInt(1));
        assertThrows(IOException.class, () -> files.write(out -> {
            out.writeInt(2);
            throw new IOException("disk full");
        }));
        assertEquals(1, names().size(), names().toString());
        assertEquals(1, files.readLatest(in -> in.readInt()).orElseThrow().state());
    }

    private List<String> names() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
