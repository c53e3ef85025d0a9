package dev.ckastream.deploy.feed;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Ansi.Text;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Help.TextTable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Command-line options of {@link ReviewFeeder} ({@code --name value} or {@code --name=value}), parsed by picocli.
 * Each mixin is one section of {@code --help}, headed by its name. (Not {@code @ArgGroup}s: picocli starts a new
 * group instance when an option repeats after another of its group, losing the options given before.)
 */
@Command(name = "feed-reviews",
        synopsisHeading = "",
        customSynopsis = "Usage: deploy/feed-reviews [OPTIONS]",
        sortOptions = false,
        descriptionHeading = "%n",
        description = {
                "Sends movie reviews to Kafka for ckastream: topic records with key = review id and value =",
                "{\"id\": ..., \"text\": ..., \"label\": 0|1} (UTF-8 JSON; label left out when the source has none)."},
        footerHeading = "%nExit codes%n",
        footer = {
                "  0 done   1 internal error   2 bad usage or unreadable reviews   3 Kafka send failed",
                "  4 no network for the download (pass --reviews)   5 download failed (HTTP, size, checksum)",
                "  6 --wait-scored timed out   130 interrupted"},
        usageHelpWidth = FeederOptions.HELP_WIDTH)
final class FeederOptions {
    static final int HELP_WIDTH = 120;
    private static final int OPTION_COLUMN = 30;

    /** A bad command line; the message is shown with a pointer to --help. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    @Mixin(name = "Source")
    Source source = new Source();

    @Mixin(name = "Selection")
    Selection selection = new Selection();

    @Mixin(name = "Kafka")
    Kafka kafka = new Kafka();

    @Mixin(name = "Progress")
    Progress progress = new Progress();

    static final class Source {
        @Option(names = "--reviews", paramLabel = "PATH", order = 1, description = {
                "an aclImdb folder, a .jsonl / .jsonl.gz file ({\"id\",\"text\",\"label\"}",
                "per line), a .csv file (header review,sentiment; positive/negative)",
                "or an aclImdb .tar.gz archive. Without it, the IMDB archive",
                "aclImdb_v1.tar.gz is downloaded once into the cache folder."})
        Path reviews;

        @Option(names = "--cache-dir", paramLabel = "DIR", order = 2,
                description = "cache folder (default: $XDG_CACHE_HOME/ckastream or ~/.cache/ckastream)")
        Path cacheDir = ImdbDownloader.defaultCacheDir();

        @Option(names = "--dataset-url", paramLabel = "URL", order = 3, converter = HttpUrl.class,
                description = "archive URL (default: ${DEFAULT-VALUE})")
        URI datasetUrl = ImdbDownloader.DEFAULT_URL;

        @Option(names = "--dataset-size", paramLabel = "BYTES", order = 4, converter = PositiveLong.class,
                description = "expected archive size (default: ${DEFAULT-VALUE})")
        long datasetSize = ImdbDownloader.DEFAULT_SIZE;

        @Option(names = "--dataset-sha256", paramLabel = "HEX", order = 5, converter = Sha256.class,
                description = "expected archive SHA-256 (default: the published one)")
        String datasetSha256 = ImdbDownloader.DEFAULT_SHA256;

        @Option(names = "--download-only", order = 6,
                description = "only download and verify the archive, print its path, exit")
        boolean downloadOnly;
    }

    static final class Selection {
        @Option(names = "--limit", paramLabel = "N", order = 1, converter = PositiveInt.class,
                description = "send at most N reviews (default: all)")
        Integer limit;

        @Option(names = "--balanced", order = 2, description = {
                "as many positives as negatives (N/2 each with --limit), alternating;",
                "unlabelled reviews are skipped"})
        boolean balanced;

        @Option(names = "--shuffle", order = 3,
                description = "a random sample in random order (holds the selected reviews in memory)")
        boolean shuffle;

        @Option(names = "--seed", paramLabel = "S", order = 4, converter = Seed.class,
                description = "shuffle seed (default: 0; same seed and source, same order)")
        long seed;

        @Option(names = "--rate", paramLabel = "R", order = 5, converter = Rate.class,
                description = "reviews per second (default: as fast as the broker acknowledges)")
        Double rate;
    }

    static final class Kafka {
        @Option(names = "--bootstrap-servers", paramLabel = "HOSTS", order = 1, description =
                "(default: " + ProducerSettings.DEFAULT_BOOTSTRAP + ", or bootstrap.servers from --producer-config)")
        String bootstrapServers; // null: default or --producer-config's

        /** The singular spelling kafka-console-producer uses; accepted, not advertised. */
        @Option(names = "--bootstrap-server", paramLabel = "HOSTS", hidden = true)
        void bootstrapServer(String hosts) {
            bootstrapServers = hosts;
        }

        @Option(names = "--topic", paramLabel = "NAME", order = 2, converter = Topic.class,
                description = "(default: ${DEFAULT-VALUE})")
        String topic = "reviews";

        @Option(names = "--producer-config", paramLabel = "FILE", order = 3,
                description = "producer .properties file (security settings, ...)")
        Path producerConfig;

        @Option(names = "--producer-property", paramLabel = "K=V", order = 4, description = {
                "a producer setting, repeatable; wins over --producer-config",
                "(acks=all and idempotence are the defaults; secrets are never printed)"})
        List<String> producerProperties = new ArrayList<>();

        @Option(names = "--max-in-flight", paramLabel = "N", order = 5, converter = MaxInFlight.class,
                description = "unacknowledged reviews at most (default: ${DEFAULT-VALUE})")
        int maxInFlight = 1000;
    }

    static final class Progress {
        @Option(names = "--scores-url", paramLabel = "URL", order = 1, converter = HttpUrl.class, description = {
                "cka-service scores endpoint, e.g. http://127.0.0.1:8080/scores",
                "(GET, JSON with a numeric \"reviews\"); shows \"scored ?\" without it"})
        URI scoresUrl;

        @Option(names = "--wait-scored", order = 2,
                description = "after sending, wait until scored >= sent (needs --scores-url)")
        boolean waitScored;

        @Option(names = "--wait-timeout", paramLabel = "SECONDS", order = 3, converter = PositiveLong.class,
                description = "how long --wait-scored waits (default: ${DEFAULT-VALUE})")
        long waitTimeoutSeconds = 600;

        @Option(names = "--progress", paramLabel = "MODE", order = 4, converter = ProgressMode.class, description = {
                "auto (default: in place on a terminal, else a line every 5 s),",
                "tty, plain or off"})
        ProgressReporter.Mode mode; // null: auto

        @Option(names = "--dry-run", order = 5,
                description = "print the selected record values to stdout (JSON lines); send nothing")
        boolean dryRun;

        @Option(names = {"-h", "--help"}, usageHelp = true, order = 6, description = "this help")
        boolean help;
    }

    boolean help() {
        return progress.help;
    }

    static FeederOptions parse(String[] args) throws UsageException {
        FeederOptions o = new FeederOptions();
        CommandLine line = commandLine(o);
        try {
            CommandLine.ParseResult result = line.parseArgs(args);
            if (!result.unmatched().isEmpty()) { // picocli lets these pass when --help is given
                throw new CommandLine.UnmatchedArgumentException(line, result.unmatched());
            }
        } catch (ParameterException e) {
            throw new UsageException(message(e));
        }
        o.check();
        return o;
    }

    /** The {@code --help} text. */
    static String usage() {
        return commandLine(new FeederOptions()).getUsageMessage(Help.Ansi.OFF);
    }

    private static CommandLine commandLine(FeederOptions o) {
        CommandLine line = new CommandLine(o);
        line.setOverwrittenOptionsAllowed(true) // the last --limit etc. wins, as in most tools
                .setAllowOptionsAsOptionParameters(true) // a value option takes the next argument, whatever it is
                .setStopAtUnmatched(true) // the first bad argument is the one reported
                .setExpandAtFiles(false) // "@file" is not an argument file but an unknown argument
                // No positional parameters, so "--" separates nothing and is an unknown option; a process
                // argument cannot hold NUL, so this delimiter never matches.
                .setEndOfOptionsDelimiter("\0");
        line.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST,
                FeederOptions::optionSections);
        return line;
    }

    /** One short line naming the option; picocli's own message where none of these applies. */
    private static String message(ParameterException e) {
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String arg = u.getUnmatched().get(0);
            return u.isUnknownOption() ? "unknown option " + arg : "unknown option argument '" + arg + "'";
        }
        if (e instanceof CommandLine.MissingParameterException m && m.getMissing().size() == 1
                && m.getMissing().get(0) instanceof OptionSpec option) {
            return option.longestName() + " needs a value";
        }
        if (!(e.getArgSpec() instanceof OptionSpec option)) {
            return e.getMessage();
        }
        if (option.arity().max == 0) { // --flag=value
            return option.longestName() + " takes no value";
        }
        if (e.getCause() instanceof TypeConversionException t) {
            return option.longestName() + " " + t.getMessage();
        }
        return e.getMessage();
    }

    private void check() throws UsageException {
        if (help()) {
            return;
        }
        if (progress.waitScored && progress.scoresUrl == null) {
            throw new UsageException("--wait-scored needs --scores-url");
        }
        if (selection.balanced && selection.limit != null && selection.limit < 2) {
            throw new UsageException("--balanced --limit needs a limit of at least 2 (N/2 of each label)");
        }
        if (source.downloadOnly && source.reviews != null) {
            throw new UsageException("--download-only downloads the IMDB archive; it takes no --reviews");
        }
    }

    // Converters: each message follows the option's name ("--limit must be ...").

    private static long positive(String value) {
        try {
            long v = Long.parseLong(value.replace("_", ""));
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // below
        }
        throw new TypeConversionException("must be a positive integer, got '" + value + "'");
    }

    static final class PositiveLong implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return positive(value);
        }
    }

    static final class PositiveInt implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return (int) Math.min(Integer.MAX_VALUE, positive(value));
        }
    }

    /** More than a million unacknowledged records only costs memory; the producer's buffer bounds them anyway. */
    static final class MaxInFlight implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return (int) Math.min(1_000_000, positive(value));
        }
    }

    static final class Seed implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new TypeConversionException("must be an integer, got '" + value + "'");
            }
        }
    }

    static final class Rate implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double rate;
            try {
                rate = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                rate = Double.NaN;
            }
            if (!(rate > 0) || Double.isInfinite(rate)) {
                throw new TypeConversionException("must be a positive number of reviews per second, got '"
                        + value + "'");
            }
            return rate;
        }
    }

    static final class HttpUrl implements ITypeConverter<URI> {
        @Override
        public URI convert(String value) {
            try {
                URI u = URI.create(value);
                if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null) {
                    return u;
                }
            } catch (IllegalArgumentException ignored) {
                // below
            }
            throw new TypeConversionException("must be an http(s) URL, got '" + value + "'");
        }
    }

    static final class Sha256 implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!value.matches("[0-9a-fA-F]{64}")) {
                throw new TypeConversionException("must be 64 hex digits");
            }
            return value.toLowerCase(Locale.ROOT);
        }
    }

    static final class Topic implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (value.isBlank()) {
                throw new TypeConversionException("must not be empty");
            }
            return value;
        }
    }

    /** {@code auto} is {@code null}: the reporter picks TTY or PLAIN from the console. */
    static final class ProgressMode implements ITypeConverter<ProgressReporter.Mode> {
        @Override
        public ProgressReporter.Mode convert(String value) {
            switch (value) {
                case "auto": return null;
                case "tty": return ProgressReporter.Mode.TTY;
                case "plain": return ProgressReporter.Mode.PLAIN;
                case "off": return ProgressReporter.Mode.OFF;
                default: throw new TypeConversionException("must be auto, tty, plain or off");
            }
        }
    }

    /**
     * The option list, one section per mixin: {@code  --name LABEL} in a 30-character column and one line per
     * description element beside it (picocli's default puts long options in a third column and joins with '=').
     */
    private static String optionSections(Help help) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, CommandLine.Model.CommandSpec> section : help.commandSpec().mixins().entrySet()) {
            TextTable table = TextTable.forColumns(help.colorScheme(),
                    new Column(OPTION_COLUMN, 2, Column.Overflow.SPAN),
                    new Column(HELP_WIDTH - OPTION_COLUMN, 0, Column.Overflow.WRAP));
            Help.Layout layout = new Help.Layout(help.colorScheme(), table, FeederOptions::renderOption,
                    (param, labels, scheme) -> new Text[0][]);
            List<OptionSpec> options = new ArrayList<>(section.getValue().options());
            options.sort(Comparator.comparingInt(OptionSpec::order));
            layout.addOptions(options, help.parameterLabelRenderer()); // leaves out hidden ones
            sb.append(String.format("%n%s%n", section.getKey())).append(layout);
        }
        return sb.toString();
    }

    private static Text[][] renderOption(OptionSpec option, Help.IParamLabelRenderer labels, Help.ColorScheme scheme) {
        String names = String.join(", ", option.names()) + (option.arity().max > 0 ? " " + option.paramLabel() : "");
        String[] description = option.renderedDescription();
        Text[][] rows = new Text[Math.max(1, description.length)][];
        for (int i = 0; i < rows.length; i++) {
            String line = i < description.length ? description[i] : "";
            rows[i] = new Text[] {scheme.text(i == 0 ? names : ""), scheme.text(line)};
        }
        return rows;
    }
}
