package dev.ckastream.deploy.feed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Detects a review source's format from its path and opens a streaming reader for it. */
public final class ReviewSources {
    public enum Format { JSONL, JSONL_GZ, CSV, ACLIMDB_FOLDER, ACLIMDB_TAR_GZ }

    public static final String ACCEPTED =
            "an aclImdb folder, a .jsonl, .jsonl.gz or .csv file, or an aclImdb .tar.gz archive";

    private ReviewSources() {
    }

    public static Format detect(Path path) {
        if (!Files.exists(path)) {
            throw new ReviewFormatException("no such file or folder: " + path);
        }
        if (Files.isDirectory(path)) {
            return Format.ACLIMDB_FOLDER;
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl.gz") || name.endsWith(".ndjson.gz")) {
            return Format.JSONL_GZ;
        }
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            return Format.JSONL;
        }
        if (name.endsWith(".csv")) {
            return Format.CSV;
        }
        if (name.endsWith(".tar.gz") || name.endsWith(".tgz")) {
            return Format.ACLIMDB_TAR_GZ;
        }
        throw new ReviewFormatException("cannot tell the format of " + path + ": expected " + ACCEPTED);
    }

    public static ReviewReader open(Path path) throws IOException {
        if (!Files.isDirectory(path) && !Files.isReadable(path) && Files.exists(path)) {
            throw new ReviewFormatException("cannot read " + path + " (permission denied)");
        }
        switch (detect(path)) {
            case JSONL: return new JsonlReviewReader(path, false);
            case JSONL_GZ: return new JsonlReviewReader(path, true);
            case CSV: return new CsvReviewReader(path);
            case ACLIMDB_FOLDER: return new AclImdbFolderReader(path);
            case ACLIMDB_TAR_GZ: return new AclImdbTarReader(path);
            default: throw new AssertionError();
        }
    }
}
