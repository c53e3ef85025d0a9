package dev.ckastream.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * README's "Bad input" table names exactly the reason codes of {@link ReviewRejection} and
 * {@link ActivationRejection}, each with the dead-letter topic it goes to.
 */
class ReadmeBadInputTableTest {

    private static final String SECTION = "## Bad input: what happens to each case";
    private static final Pattern CODE = Pattern.compile("`([a-z0-9-]+)`");

    @Test
    void theTableListsEveryReasonCodeAndNoOther() throws IOException {
        Map<String, String> documented = documentedCodes();
        Map<String, String> expected = new TreeMap<>();
        Arrays.stream(ReviewRejection.values()).forEach(r -> expected.put(r.code(), Topics.REVIEWS_DLQ));
        Arrays.stream(ActivationRejection.values()).forEach(r -> expected.put(r.code(), Topics.ACTIVATIONS_DLQ));
        assertEquals(expected.size(), ReviewRejection.values().length + ActivationRejection.values().length,
                "no code is in both enums");
        assertEquals(new TreeSet<>(expected.keySet()), new TreeSet<>(documented.keySet()),
                "reason codes in README's table vs the enums");
        assertEquals(expected, new TreeMap<>(documented), "each code's dead-letter topic in README's table");
    }

    /** Code to the topic named in its row's "where" column. */
    private static Map<String, String> documentedCodes() throws IOException {
        String location = System.getProperty("ckastream.readme");
        assertNotNull(location, "system property ckastream.readme (set by contract/pom.xml) names README.md");
        Path readme = Path.of(location);
        assertTrue(Files.isRegularFile(readme), "README.md not found at " + readme.toAbsolutePath());
        List<String> lines = Files.readAllLines(readme, StandardCharsets.UTF_8);
        int start = lines.indexOf(SECTION);
        assertTrue(start >= 0, "README has no line \"" + SECTION + "\"");
        List<String> rows = new ArrayList<>();
        for (int i = start + 1; i < lines.size() && !lines.get(i).startsWith("## "); i++) {
            String line = lines.get(i).trim();
            if (line.startsWith("|") && !line.startsWith("|---") && !line.startsWith("| input ")) {
                rows.add(line);
            }
        }
        assertFalse(rows.isEmpty(), "the section has no table rows");
        Map<String, String> codes = new TreeMap<>();
        for (String row : rows) {
            String[] cells = row.substring(1, row.length() - 1).split("(?<!\\\\)\\|");
            String where = cells[cells.length - 2];
            Matcher m = CODE.matcher(cells[cells.length - 1]);
            while (m.find()) {
                String topic = where.contains(Topics.ACTIVATIONS_DLQ) ? Topics.ACTIVATIONS_DLQ
                        : where.contains(Topics.REVIEWS_DLQ) ? Topics.REVIEWS_DLQ : "no dead-letter topic: " + where;
                String previous = codes.put(m.group(1), topic);
                assertTrue(previous == null, "code " + m.group(1) + " in two rows");
            }
        }
        return codes;
    }
}
