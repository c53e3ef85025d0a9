package dev.ckastream.deploy.feed;

import dev.ckastream.contract.Review;
import org.apache.commons.csv.CSVException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * CSV in the common Kaggle IMDB layout: a header {@code review,sentiment}, values {@code positive}/{@code negative},
 * RFC 4180 quoting (fields in double quotes may hold commas, doubled quotes and line breaks; CRLF or LF), parsed by
 * Commons CSV.
 * <p>
 * The columns may come in any order. The text column may also be called {@code text}, the label column
 * {@code label} (then 0/1 are accepted too). An {@code id} column, when present, gives the ids; otherwise they are
 * {@code csv-<n>} with n the 1-based data row number (the header is row 0), so they are stable for a given file.
 * Blank lines are skipped; text after a closing quote (invalid in RFC 4180, but written by some exporters) is kept.
 */
public final class CsvReviewReader extends ReviewReader {
    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder()
            .setIgnoreEmptyLines(false) // skipped here, so that each record's first line is known
            .setTrailingData(true)
            .get();

    private final Path path;
    private final CSVParser parser;
    private final Iterator<CSVRecord> records;
    private final int textCol;
    private final int labelCol;
    private final int idCol;
    private final int width;
    private long recordLine; // physical line where the current record started, for messages
    private long row;        // data rows read so far

    public CsvReviewReader(Path path) throws IOException {
        this.path = path;
        this.parser = CSVParser.builder().setReader(Files.newBufferedReader(path, StandardCharsets.UTF_8))
                .setFormat(FORMAT).get();
        this.records = parser.iterator();
        try {
            List<String> header = readRecord();
            if (header == null) {
                throw new ReviewFormatException(path + ": empty CSV file (expected a header review,sentiment)");
            }
            if (!header.isEmpty() && header.get(0).startsWith("\uFEFF")) {
                header.set(0, header.get(0).substring(1));
            }
            textCol = column(header, "review", "text");
            labelCol = column(header, "sentiment", "label");
            idCol = column(header, "id");
            if (textCol < 0) {
                throw new ReviewFormatException(path + ": CSV header " + header
                        + " has no \"review\" (or \"text\") column; expected review,sentiment");
            }
            width = header.size();
        } catch (RuntimeException | IOException e) {
            parser.close();
            throw e;
        }
    }

    private static int column(List<String> header, String... names) {
        for (String name : names) {
            for (int i = 0; i < header.size(); i++) {
                if (header.get(i).trim().equalsIgnoreCase(name)) {
                    return i;
                }
            }
        }
        return -1;
    }

    @Override
    protected Review readNext() throws IOException {
        List<String> fields;
        do {
            fields = readRecord();
            if (fields == null) {
                return null;
            }
        } while (fields.size() == 1 && fields.get(0).isEmpty()); // blank line
        row++;
        if (fields.size() != width) {
            throw error("expected " + width + " fields, found " + fields.size());
        }
        String id = idCol >= 0 && !fields.get(idCol).isBlank() ? fields.get(idCol).trim() : "csv-" + row;
        Integer label = labelCol >= 0 ? label(fields.get(labelCol)) : null;
        return new Review(id, fields.get(textCol), label);
    }

    private Integer label(String value) {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "positive": case "pos": case "1":
                return 1;
            case "negative": case "neg": case "0":
                return 0;
            case "":
                return null;
            default:
                throw error("sentiment must be positive or negative, got \"" + value + "\"");
        }
    }

    private ReviewFormatException error(String what) {
        return new ReviewFormatException(path + ": line " + recordLine + " (row " + row + "): " + what);
    }

    /** The next record's fields, or {@code null} at end of input. */
    private List<String> readRecord() throws IOException {
        recordLine = parser.getCurrentLineNumber() + 1; // the iterator reads a record only when asked
        try {
            return records.hasNext() ? records.next().toList() : null;
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof CSVException bad) {
                // With trailing data allowed and no escape character, Commons CSV's one syntax error is a quoted
                // field still open at end of file.
                String what = String.valueOf(bad.getMessage()).contains("EOF reached before encapsulated token")
                        ? "quoted field never closed (missing \" before end of file)" : bad.getMessage();
                throw new ReviewFormatException(path + ": line " + recordLine + ": " + what, bad);
            }
            throw e.getCause();
        }
    }

    @Override
    public void close() throws IOException {
        parser.close();
    }
}
