package dev.ckastream.cka.runtime;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.management.JMException;
import javax.management.ObjectName;

import com.sun.management.HotSpotDiagnosticMXBean;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import dev.ckastream.cka.config.CkaConfig;
import io.quarkus.runtime.StartupEvent;

import org.jboss.logging.Logger;

/**
 * Which classes HotSpot's optimising compiler (C2) compiles ({@code cka.c2-classes}): the service's own code and
 * the JDK's by default; the libraries' hot code (the Kafka client, Mutiny, Vert.x, Quarkus) stays with the quick
 * compiler C1 at full optimisation without profiling (tier 1).
 *
 * <h2>Why</h2>
 * The service's arithmetic is native BLAS; what the JIT compiles is the plumbing around it. With the JVM's own
 * policy, C2 took 0.2–0.3 of a core all through the first 20 s of streaming on a 2-core machine (5.1–5.7 s of
 * C2 time in a service that scored 12,000 pairs of 7 × 768 as fast as it could; per-thread CPU from {@code /proc},
 * README "Benchmarks"), a quarter of it on the Kafka client alone by an earlier {@code -XX:+LogCompilation} count,
 * though a consumer's per-record work is small next to the co-moment update it feeds; methods waiting in C2's
 * queue meanwhile run as C1 code with full profiling, the slowest compiled tier. Kept from C2, those libraries'
 * methods are compiled once by C1, in milliseconds, and run at C1's speed: in the same runs C2 took 2.4–3.5 s,
 * its share falling from 0.25 to 0.03 of a core.
 *
 * <h2>How</h2>
 * At start-up, before the Kafka channels start, the service adds two compiler directives through the JVM's
 * diagnostic command {@code Compiler.directives_add} (the platform MBean {@code
 * com.sun.management:type=DiagnosticCommand}, as {@code jcmd <pid> Compiler.directives_add} would; no JVM flag is
 * needed): C2 may compile the listed classes, and excludes every other class. HotSpot then compiles a method C2
 * refuses with C1 at tier 1 ({@code made not compilable on level 4 ... excluded by CompileCommand} with {@code
 * -XX:+PrintCompilation}). Directives are process-wide and stack: {@code jcmd <pid> Compiler.directives_print}
 * shows them, {@code Compiler.directives_remove} pops them. A JVM without the command (not HotSpot), or without
 * C1 ({@code -XX:-TieredCompilation}, where a class kept from C2 would never be compiled), keeps its own policy,
 * with a warning; {@code cka.c2-classes=*} leaves every JVM as it is.
 */
@ApplicationScoped
public class JitDirectives {

    private static final Logger LOG = Logger.getLogger(JitDirectives.class);

    /** Every class: the JVM's own policy, no directive. */
    public static final String EVERY_CLASS = "*";

    /** A class pattern: a package-qualified class name ({@code /} or {@code .} separated), a {@code *} at either end. */
    private static final Pattern CLASS_PATTERN = Pattern.compile("\\*?[A-Za-z0-9_$./]+\\*?");
    private static final Pattern ADDED = Pattern.compile("(\\d+) compiler directives? added");

    @Inject
    CkaConfig config;

    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent start) {
        List<String> patterns = config.c2Classes();
        if (patterns.equals(List.of(EVERY_CLASS))) {
            LOG.info("JIT: the JVM's own policy (cka.c2-classes=*)");
            return;
        }
        String refused = install(patterns);
        if (refused == null) {
            LOG.infof("JIT: C2 compiles only %s; every other class's hot code is compiled by C1 (cka.c2-classes)",
                    String.join(", ", patterns));
        } else {
            LOG.warnf("JIT: could not keep C2 to %s (cka.c2-classes), the JVM's own policy applies: %s",
                    String.join(", ", patterns), refused);
        }
    }

    /**
     * The directives file (HotSpot's JSON-like compiler directives): the listed classes may be compiled by C2, every
     * other class is excluded from it. Throws {@link IllegalArgumentException} naming {@code cka.c2-classes} for a
     * pattern HotSpot would not take, and for {@code *} among other patterns.
     */
    public static String directives(List<String> classPatterns) {
        if (classPatterns.isEmpty()) {
            throw new IllegalArgumentException("cka.c2-classes is empty: list the classes C2 compiles, or * for all");
        }
        for (String p : classPatterns) {
            if (p.equals(EVERY_CLASS)) {
                throw new IllegalArgumentException("cka.c2-classes: * (every class, the JVM's own policy) stands alone,"
                        + " not among " + classPatterns);
            }
            if (!CLASS_PATTERN.matcher(p).matches()) {
                throw new IllegalArgumentException("cka.c2-classes: '" + p + "' is not a class pattern (a"
                        + " package-qualified class name such as dev/ckastream/* or org.apache.kafka.*, letters, digits,"
                        + " _ and $, with * only at its start or end)");
            }
        }
        String matches = classPatterns.stream().map(p -> "\"" + p.replace('.', '/') + ".*\"")
                .collect(Collectors.joining(", "));
        return "[\n  { match: [" + matches + "], c2: { Exclude: false } },\n"
                + "  { match: \"*.*\", c2: { Exclude: true } }\n]\n";
    }

    /**
     * Adds {@link #directives} to this JVM; null when HotSpot took both, else why not (the JVM's policy is then
     * unchanged). Invalid patterns throw, as {@link #directives} does.
     */
    public static String install(List<String> classPatterns) {
        String text = directives(classPatterns);
        String withoutC1 = withoutC1();
        if (withoutC1 != null) {
            return withoutC1;
        }
        Path file = null;
        try {
            file = Files.createTempFile("cka-c2-classes", ".json");
            Files.writeString(file, text);
            String reply = diagnosticCommand("compilerDirectivesAdd", file.toString());
            Matcher added = ADDED.matcher(reply);
            if (added.find() && Integer.parseInt(added.group(1)) == 2) {
                return null;
            }
            return "Compiler.directives_add answered: " + reply.strip();
        } catch (IOException | JMException | RuntimeException e) {
            return "Compiler.directives_add is not available (" + e + ")";
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    LOG.debugf("could not delete %s: %s", file, e);
                }
            }
        }
    }

    /** Why this JVM has no C1 to take over from C2 ({@code -XX:-TieredCompilation}), or null when it has one. */
    private static String withoutC1() {
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (hotspot != null && "false".equals(hotspot.getVMOption("TieredCompilation").getValue())) {
                return "this JVM runs without C1 (-XX:-TieredCompilation): a class kept from C2 would never be compiled";
            }
            return null;
        } catch (RuntimeException e) {
            return "cannot tell whether this JVM has C1 (" + e + ")";
        }
    }

    /** Runs a HotSpot diagnostic command (the MBean's operation name, as jcmd's with dots removed) and returns its output. */
    static String diagnosticCommand(String operation, String... arguments) throws JMException {
        Object reply = ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), operation,
                new Object[] {arguments}, new String[] {String[].class.getName()});
        return String.valueOf(reply);
    }
}
