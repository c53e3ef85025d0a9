package dev.ckastream.cka.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JitDirectivesTest {

    @Test
    void theDirectivesLetC2CompileTheListedClassesAndExcludeEveryOther() {
        String text = JitDirectives.directives(List.of("dev/ckastream/*", "org.apache.kafka.clients.*"));
        assertEquals("[\n  { match: [\"dev/ckastream/*.*\", \"org/apache/kafka/clients/*.*\"], c2: { Exclude: false } },\n"
                + "  { match: \"*.*\", c2: { Exclude: true } }\n]\n", text);
    }

    @Test
    void patternsHotSpotWouldNotTakeAreRefusedNamingTheSetting() {
        for (List<String> bad : List.of(List.<String>of(), List.of("dev/*/cka"), List.of("dev ckastream"),
                List.of("dev/ckastream/*", "*"), List.of("a\"b"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> JitDirectives.directives(bad), bad.toString());
            assertTrue(e.getMessage().contains("cka.c2-classes"), e.getMessage());
        }
    }

    /**
     * In a JVM of its own with {@code -XX:+PrintCompilation}: after the directives are added, the listed class's hot
     * method reaches C2 (tier 4) and the other's never does; it ends at C1 without profiling (tier 1).
     */
    @Test
    void aJvmWithTheDirectivesCompilesOnlyTheListedClassesWithC2() throws IOException, InterruptedException {
        String out = child("-XX:+PrintCompilation");
        assertTrue(out.contains("installed: yes"), out);
        assertTrue(out.contains("done "), out);
        String kept = JitDirectivesChild.Kept.class.getName() + "::work";
        String refused = JitDirectivesChild.Refused.class.getName() + "::work";
        assertTrue(compiledAt(out, kept, 4), "Kept.work was never compiled by C2:\n" + lines(out, "::work"));
        assertFalse(compiledAt(out, refused, 4), "Refused.work was compiled by C2:\n" + lines(out, "::work"));
        assertTrue(compiledAt(out, refused, 1), "Refused.work did not reach C1 tier 1:\n" + lines(out, "::work"));
    }

    /** Without C1 a class kept from C2 would stay interpreted: such a JVM keeps its own policy, and says why. */
    @Test
    void aJvmWithoutC1KeepsItsOwnPolicy() throws IOException, InterruptedException {
        String out = child("-XX:-TieredCompilation");
        assertTrue(out.contains("installed: this JVM runs without C1 (-XX:-TieredCompilation)"), out);
        assertTrue(out.contains("done "), out);
    }

    private static String child(String... jvmOptions) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), JitDirectivesChild.class.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /** Whether a PrintCompilation line ({@code timestamp id flags level method (n bytes)}) compiles this method at this tier. */
    private static boolean compiledAt(String out, String method, int tier) {
        Matcher m = Pattern.compile("^\\s*\\d+\\s+\\d+\\s+[%sbn!]*\\s*(\\d)\\s+" + Pattern.quote(method) + "\\b",
                Pattern.MULTILINE).matcher(out);
        while (m.find()) {
            if (Integer.parseInt(m.group(1)) == tier) {
                return true;
            }
        }
        return false;
    }

    private static String lines(String out, String containing) {
        return out.lines().filter(l -> l.contains(containing)).reduce("", (a, b) -> a + b + "\n");
    }
}
