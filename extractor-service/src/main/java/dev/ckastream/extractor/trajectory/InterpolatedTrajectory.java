package dev.ckastream.extractor.trajectory;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.ckastream.extractor.model.CheckpointFiles;
import dev.ckastream.extractor.onnx.WeightInterpolation;

/**
 * Writes the checkpoints at steps {@code t} on the straight line from a start checkpoint to an end checkpoint of
 * the same architecture ({@link WeightInterpolation}), each as {@code OUTDIR/<name>/model.onnx} and
 * {@code OUTDIR/<name>/tokenizer.json}, named by {@link #name}: {@code t000}, {@code t025}, ..., {@code t100}.
 * Default ends: bge-small-en and bge-small-en-v1.5 from their Maven Central jars (on the classpath).
 *
 * <p>Tokenizers: when the two ends' tokenizer.json files are byte-identical (the two bge releases' are), every
 * step gets that file; otherwise t = 0 gets the start's, t = 1 the end's and every step in between the start's,
 * with a note on stderr, since a tokenizer cannot be interpolated.
 *
 * <pre>
 * InterpolatedTrajectory OUTDIR [--steps 0,0.25,0.5,0.75,1] [--start MODEL,TOKENIZER] [--end MODEL,TOKENIZER]
 * </pre>
 * Prints the {@code deploy/run-local --checkpoint NAME=MODEL,TOKENIZER ...} command on stdout, progress on stderr.
 */
public final class InterpolatedTrajectory {

    public static final String BGE_SMALL_EN = "classpath:bge-small-en.onnx,classpath:bge-small-en-tokenizer.json";
    public static final String BGE_SMALL_EN_V15 = "classpath:bge-small-en-v1.5.onnx,classpath:bge-small-en-v1.5-tokenizer.json";
    public static final List<Double> DEFAULT_STEPS = List.of(0.0, 0.25, 0.5, 0.75, 1.0);

    /** One written checkpoint. */
    public record Step(String name, double t, Path model, Path tokenizer) {
        /** The {@code deploy/run-local} option value {@code NAME=MODEL,TOKENIZER}. */
        public String checkpointOption() {
            return name + "=" + model + "," + tokenizer;
        }
    }

    private InterpolatedTrajectory() {
    }

    /**
     * The checkpoint name of step {@code t}: "t" and the percentage, three digits ({@code 0.25} is {@code t025});
     * a fractional percentage keeps its digits after an underscore ({@code 0.125} is {@code t012_5}).
     */
    public static String name(double t) {
        BigDecimal percent = new BigDecimal(Double.toString(t)).movePointRight(2).stripTrailingZeros();
        BigDecimal whole = percent.setScale(0, RoundingMode.DOWN);
        String name = String.format(Locale.ROOT, "t%03d", whole.intValueExact());
        BigDecimal fraction = percent.subtract(whole);
        return fraction.signum() == 0 ? name : name + "_" + fraction.toPlainString().substring(2);
    }

    /** Where {@link #write} puts step {@code t} in {@code outDir}. */
    public static Step step(Path outDir, double t) {
        Path dir = outDir.toAbsolutePath().resolve(name(t));
        return new Step(name(t), t, dir.resolve("model.onnx"), dir.resolve("tokenizer.json"));
    }

    /** Parses {@code "0,0.25,1"}: each in [0, 1], no two with one name. */
    public static List<Double> parseSteps(String list) {
        List<Double> steps = new ArrayList<>();
        Map<String, String> names = new LinkedHashMap<>();
        for (String part : list.split(",")) {
            double t;
            try {
                t = Double.parseDouble(part.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--steps: \"" + part.trim() + "\" is not a number (give e.g. 0,0.25,0.5,0.75,1)");
            }
            if (!(t >= 0 && t <= 1)) {
                throw new IllegalArgumentException("--steps: " + part.trim() + " is outside [0, 1]");
            }
            String earlier = names.put(name(t), part.trim());
            if (earlier != null) {
                throw new IllegalArgumentException("--steps: " + earlier + " and " + part.trim() + " are the same step ("
                        + name(t) + ")");
            }
            steps.add(t);
        }
        return List.copyOf(steps);
    }

    /**
     * Writes every step into {@code outDir} (created if missing; existing files of the same names are replaced).
     * {@code start} and {@code end} are {@code MODEL,TOKENIZER} locations: paths or {@code classpath:} resources.
     */
    public static List<Step> write(Path outDir, List<Double> steps, String start, String end, PrintStream progress) {
        String[] s = split(start, "--start");
        String[] e = split(end, "--end");
        long t0 = System.nanoTime();
        WeightInterpolation line = WeightInterpolation.of(CheckpointFiles.readModel(s[0]), CheckpointFiles.readModel(e[0]));
        progress.printf(Locale.ROOT, "make-trajectory: %s -> %s: same graph, %d float initializers (%,d weights)"
                        + " interpolated; read and checked in %.2f s%n", s[0], e[0], line.floatInitializers(),
                line.floatWeights(), seconds(t0));
        try {
            byte[] startTokenizer = Files.readAllBytes(CheckpointFiles.tokenizerPath(s[1]));
            byte[] endTokenizer = Files.readAllBytes(CheckpointFiles.tokenizerPath(e[1]));
            boolean sameTokenizer = Arrays.equals(startTokenizer, endTokenizer);
            if (!sameTokenizer) {
                progress.printf(Locale.ROOT, "make-trajectory: note: the tokenizers differ (%,d and %,d bytes, first"
                                + " difference at byte %,d): t = 1 gets %s, every other step %s%n", startTokenizer.length,
                        endTokenizer.length, Arrays.mismatch(startTokenizer, endTokenizer), e[1], s[1]);
            }
            Files.createDirectories(outDir);
            List<Step> written = new ArrayList<>();
            for (double t : steps) {
                Step step = step(outDir, t);
                Files.createDirectories(step.model().getParent());
                long started = System.nanoTime();
                byte[] model = line.at(t);
                double interpolated = seconds(started);
                Files.write(step.model(), model);
                Files.write(step.tokenizer(), t == 1 ? endTokenizer : startTokenizer);
                progress.printf(Locale.ROOT, "make-trajectory: %s (t = %s): interpolated in %.2f s, written in %.2f s%n",
                        step.name(), t, interpolated, seconds(started) - interpolated);
                written.add(step);
            }
            return List.copyOf(written);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write the trajectory into " + outDir + ": " + ex.getMessage(), ex);
        }
    }

    private static String[] split(String spec, String option) {
        String[] parts = spec.split(",", -1);
        if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
            throw new IllegalArgumentException(option + ": expected MODEL.onnx,TOKENIZER.json, got \"" + spec + "\"");
        }
        return parts;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    public static void main(String[] args) {
        Path outDir = null;
        List<Double> steps = DEFAULT_STEPS;
        String start = BGE_SMALL_EN;
        String end = BGE_SMALL_EN_V15;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--steps" -> steps = parseSteps(value(args, ++i, "--steps"));
                    case "--start" -> start = value(args, ++i, "--start");
                    case "--end" -> end = value(args, ++i, "--end");
                    default -> {
                        if (args[i].startsWith("-") || outDir != null) {
                            throw new IllegalArgumentException("unexpected argument " + args[i]);
                        }
                        outDir = Path.of(args[i]);
                    }
                }
            }
            if (outDir == null) {
                throw new IllegalArgumentException("give the output folder");
            }
            List<Step> written = write(outDir, steps, start, end, System.err);
            StringBuilder command = new StringBuilder("deploy/run-local");
            for (Step step : written) {
                command.append(" \\\n    --checkpoint ").append(step.checkpointOption());
            }
            System.err.println("make-trajectory: done; run the trajectory (from the repository root) with:");
            System.out.println(command);
        } catch (WeightInterpolation.Mismatch e) {
            System.err.println("make-trajectory: the two models are not checkpoints of one architecture: " + e.getMessage());
            System.exit(1);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            System.err.println("make-trajectory: " + e.getMessage());
            System.err.println("usage: make-trajectory OUTDIR [--steps 0,0.25,0.5,0.75,1] [--start MODEL.onnx,TOKENIZER.json]"
                    + " [--end MODEL.onnx,TOKENIZER.json]  (default ends: bge-small-en, bge-small-en-v1.5)");
            System.exit(2);
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
