package dev.ckastream.deploy.feed;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the shared test data ({@code ../shared/data} from the repository root), or skips the calling test. */
final class SharedData {
    private SharedData() {
    }

    static Path file(String name) {
        Path dir = locate();
        Assumptions.assumeTrue(dir != null && Files.isReadable(dir.resolve(name)),
                "skipped: shared test data " + name + " not found (looked for ../shared/data from the repository"
                        + " root, or -Dckastream.shared.data=DIR); this test needs it");
        return dir.resolve(name);
    }

    private static Path locate() {
        String override = System.getProperty("ckastream.shared.data");
        if (override != null) {
            return Path.of(override);
        }
        // the repository root is the nearest ancestor holding mvnw (works from deploy/ and from the root)
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("mvnw")) && Files.isDirectory(p.resolve("deploy"))) {
                Path data = p.resolve("../shared/data").normalize();
                return Files.isDirectory(data) ? data : null;
            }
        }
        return null;
    }
}
