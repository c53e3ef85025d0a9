package dev.ckastream.deploy.feed;

import dev.ckastream.contract.Review;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * CSV in the common Kaggle IMDB layout: a header {@code review,sentiment}, values {@code positive}/{@code negative},
 * RFC 4180 quoting (fields in double quotes may hold commas, doubled quotes and line breaks; CRLF or LF).
 * <p>
 * The text column may also be called {@code text}, the label column {@code label} (then 0/1 are accepted too).
 * An {@code id} column, when present, gives the ids; otherwise they are {@code csv-<n>} with n the 1-based data
 * row number (the header is row 0), so they are stable for a given file.
 */
public final class CsvReviewReader extends ReviewReader {
    private final Path path;
    private final Reader in;
    private final int textCol;
    private final int labelCol;
    private final int idCol;
    private final int width;
    private int pending = -2; // one character of look-ahead; -2 = none
    private long line = 1;    // physical line of the reader position, for messages
    private long recordLine;  // physical line where the current record started
    private long row;         // data rows read so far

    public CsvReviewReader(Path path) throws IOException {
        this.path = path;
        this.in = new BufferedReader(Files.newBufferedReader(path, StandardCharsets.UTF_8), 1 << 16);
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
            in.close();
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

    private int read() throws IOException {
        int c;
        if (pending != -2) {
            c = pending;
            pending = -2;
        } else {
            c = in.read();
        }
        if (c == '\n') {
            line++;
        }
        return c;
    }

    private void unread(int c) {
        if (c == '\n') {
            line--;
        }
        pending = c;
    }

    /** One RFC 4180 record, or {@code null} at end of input. */
    List<String> readRecord() throws IOException {
        recordLine = line;
        int c = read();
        if (c == -1) {
            return null;
        }
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        while (true) {
            if (c == '"' && field.length() == 0) {
                // quoted field: up to the closing quote; "" is one quote; commas and newlines are literal
                while (true) {
                    c = read();
                    if (c == -1) {
                        throw new ReviewFormatException(path + ": line " + recordLine
                                + ": quoted field never closed (missing \" before end of file)");
                    }
                    if (c == '"') {
                        int d = read();
                        if (d == '"') {
                            field.append('"');
                            continue;
                        }
                        c = d;
                        break;
                    }
                    field.append((char) c);
                }
                // lenient: text after the closing quote (invalid in RFC 4180) is kept literally
                while (c != ',' && c != '\n' && c != '\r' && c != -1) {
                    field.append((char) c);
                    c = read();
                }
            } else {
                while (c != ',' && c != '\n' && c != '\r' && c != -1) {
                    field.append((char) c);
                    c = read();
                }
            }
            fields.add(field.toString());
            field.setLength(0);
            if (c == ',') {
                c = read();
                continue;
            }
            if (c == '\r') {
                int d = read();
                if (d != '\n' && d != -1) {
                    unread(d);
                }
            }
            return fields; // \n, \r\n, \r or end of file
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
