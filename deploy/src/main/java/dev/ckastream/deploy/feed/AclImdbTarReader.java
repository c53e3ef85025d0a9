package dev.ckastream.deploy.feed;

import dev.ckastream.contract.Review;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Streams reviews straight out of {@code aclImdb_v1.tar.gz} (no extraction): entries
 * {@code .../{train,test}/{pos,neg}/<n>_<rating>.txt}, in archive order; everything else
 * ({@code unsup}, vocabularies, URL lists) is skipped.
 */
public final class AclImdbTarReader extends ReviewReader {
    private final Path path;
    private final TarArchiveInputStream tar;
    private long count;

    public AclImdbTarReader(Path path) throws IOException {
        this.path = path;
        InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        try {
            this.tar = new TarArchiveInputStream(new GZIPInputStream(raw, 1 << 16));
        } catch (IOException e) {
            raw.close();
            throw new ReviewFormatException(path + ": not a gzip file (" + e.getMessage() + ")", e);
        }
    }

    @Override
    protected Review readNext() throws IOException {
        TarArchiveEntry entry;
        try {
            while ((entry = tar.getNextEntry()) != null) {
                if (!entry.isFile()) {
                    continue;
                }
                String[] parsed = AclImdb.parseEntry(entry.getName());
                if (parsed == null) {
                    continue;
                }
                String text = new String(tar.readAllBytes(), StandardCharsets.UTF_8);
                count++;
                return new Review(AclImdb.id(parsed[0], parsed[1], Long.parseLong(parsed[2])), text,
                        AclImdb.label(parsed[1]));
            }
        } catch (IllegalArgumentException e) { // commons-compress reports some corrupt headers this way
            throw new ReviewFormatException(path + ": corrupt tar archive (" + e.getMessage() + ")", e);
        }
        if (count == 0) {
            throw new ReviewFormatException(path + ": no {train,test}/{pos,neg}/<n>_<rating>.txt entries: "
                    + "not an aclImdb archive?");
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }
}
