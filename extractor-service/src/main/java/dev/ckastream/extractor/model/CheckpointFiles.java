package dev.ckastream.extractor.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Resolves checkpoint locations: {@code classpath:bge-small-en.onnx} (a resource at the classpath root, e.g.
 * inside a langchain4j-embeddings jar) or a filesystem path.
 */
public final class CheckpointFiles {

    public static final String CLASSPATH_PREFIX = "classpath:";

    private CheckpointFiles() {
    }

    /** The ONNX model's bytes. The file is only read, never changed. */
    public static byte[] readModel(String location) {
        try {
            if (isClasspath(location)) {
                try (InputStream in = open(resourceName(location))) {
                    return in.readAllBytes();
                }
            }
            return Files.readAllBytes(Path.of(location));
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("model file not found: " + location, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model " + location + ": " + e.getMessage(), e);
        }
    }

    /**
     * A filesystem path to the tokenizer.json: the path itself, or a classpath resource copied to a temporary
     * file that is deleted when the JVM exits.
     */
    public static Path tokenizerPath(String location) {
        try {
            if (!isClasspath(location)) {
                Path p = Path.of(location);
                if (!Files.isRegularFile(p)) {
                    throw new NoSuchFileException(location);
                }
                return p;
            }
            String resource = resourceName(location);
            Path tmp = Files.createTempFile("ckastream-tokenizer-", "-" + Path.of(resource).getFileName());
            tmp.toFile().deleteOnExit();
            try (InputStream in = open(resource)) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            return tmp;
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("tokenizer file not found: " + location, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + location + ": " + e.getMessage(), e);
        }
    }

    private static boolean isClasspath(String location) {
        return location.startsWith(CLASSPATH_PREFIX);
    }

    private static String resourceName(String location) {
        String r = location.substring(CLASSPATH_PREFIX.length());
        return r.startsWith("/") ? r.substring(1) : r;
    }

    private static InputStream open(String resource) throws IOException {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        InputStream in = cl == null ? null : cl.getResourceAsStream(resource);
        if (in == null) {
            in = CheckpointFiles.class.getClassLoader().getResourceAsStream(resource);
        }
        if (in == null) {
            throw new NoSuchFileException(CLASSPATH_PREFIX + resource);
        }
        return in;
    }
}
