package dev.ckastream.cka.pair;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import dev.ckastream.contract.Topics;

/**
 * Which checkpoint pairs one cka-service compares, resolved from {@code cka.checkpoints} (the ordered checkpoint
 * names; without it {@code cka.first}, {@code cka.second}) and {@code cka.pairs}:
 * <ul>
 * <li>{@value #FIRST_VS_EACH} (the default): the first checkpoint against each later one, a training run against
 * its base model;</li>
 * <li>{@value #CONSECUTIVE}: each checkpoint against the next, how far each stretch of training moved;</li>
 * <li>an explicit list {@code a~b,a~c,b~c}: those pairs, in that order. Without {@code cka.checkpoints} the names
 * the list uses are the checkpoints, in order of appearance.</li>
 * </ul>
 * The activation topics consumed are those of the checkpoints some pair uses, each once.
 */
public record ComparedPairs(List<String> checkpoints, List<CheckpointPair> pairs) {

    public static final String FIRST_VS_EACH = "first-vs-each";
    public static final String CONSECUTIVE = "consecutive";

    public ComparedPairs {
        checkpoints = List.copyOf(checkpoints);
        pairs = List.copyOf(pairs);
    }

    /**
     * Resolves the configuration.
     *
     * @param checkpoints {@code cka.checkpoints}, when set
     * @param first       {@code cka.first}, used with {@code second} when {@code checkpoints} is not set
     * @param pairs       {@code cka.pairs}
     * @throws IllegalArgumentException with a message naming the setting at fault
     */
    public static ComparedPairs resolve(Optional<List<String>> checkpoints, String first, String second, String pairs) {
        String mode = pairs == null ? FIRST_VS_EACH : pairs.trim();
        boolean explicit = !mode.equals(FIRST_VS_EACH) && !mode.equals(CONSECUTIVE);
        List<CheckpointPair> explicitPairs = explicit ? parse(mode) : List.of();
        List<String> names;
        if (checkpoints.isPresent()) {
            names = checkpoints.get().stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        } else if (explicit) {
            Set<String> seen = new LinkedHashSet<>();
            explicitPairs.forEach(p -> {
                seen.add(p.first());
                seen.add(p.second());
            });
            names = List.copyOf(seen);
        } else {
            names = List.of(first, second);
        }
        Set<String> distinct = new LinkedHashSet<>();
        for (String name : names) {
            checkName(name, "cka.checkpoints");
            if (!distinct.add(name)) {
                throw new IllegalArgumentException("cka.checkpoints names " + name + " twice (" + String.join(",", names)
                        + "): each checkpoint has one name and one activation topic");
            }
        }
        if (names.size() < 2) {
            throw new IllegalArgumentException("cka.checkpoints needs two or more checkpoint names, in order; got "
                    + names);
        }
        List<CheckpointPair> resolved = new ArrayList<>();
        if (mode.equals(FIRST_VS_EACH)) {
            for (int i = 1; i < names.size(); i++) {
                resolved.add(new CheckpointPair(names.get(0), names.get(i)));
            }
        } else if (mode.equals(CONSECUTIVE)) {
            for (int i = 1; i < names.size(); i++) {
                resolved.add(new CheckpointPair(names.get(i - 1), names.get(i)));
            }
        } else {
            Set<String> keys = new LinkedHashSet<>();
            for (CheckpointPair p : explicitPairs) {
                for (String name : List.of(p.first(), p.second())) {
                    if (!distinct.contains(name)) {
                        throw new IllegalArgumentException("cka.pairs names " + name + " in " + p.key()
                                + ", which is not one of cka.checkpoints (" + String.join(",", names) + ")");
                    }
                }
                if (!keys.add(p.key())) {
                    throw new IllegalArgumentException("cka.pairs names " + p.key() + " twice");
                }
                resolved.add(p);
            }
        }
        return new ComparedPairs(names, resolved);
    }

    private static List<CheckpointPair> parse(String list) {
        List<CheckpointPair> pairs = new ArrayList<>();
        for (String item : list.split(",")) {
            String spec = item.trim();
            if (spec.isEmpty()) {
                continue;
            }
            String[] parts = spec.split("~", -1);
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                throw new IllegalArgumentException("cka.pairs: " + spec + " is not a pair: expected " + FIRST_VS_EACH
                        + ", " + CONSECUTIVE + ", or a list of pairs FIRST~SECOND separated by commas");
            }
            try {
                pairs.add(new CheckpointPair(parts[0].trim(), parts[1].trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("cka.pairs: " + e.getMessage());
            }
        }
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("cka.pairs is empty: expected " + FIRST_VS_EACH + ", " + CONSECUTIVE
                    + ", or a list of pairs FIRST~SECOND");
        }
        return pairs;
    }

    private static void checkName(String name, String setting) {
        // A name becomes a topic name (activations.<name>) and half of a score key (<first>~<second>).
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException(setting + ": checkpoint name '" + name + "' may only use letters, digits,"
                    + " '.', '_' and '-' (it names the topic activations.<name>)");
        }
    }

    /** The activation topics of the checkpoints some pair uses, in checkpoint order, each once. */
    public List<String> topics() {
        Set<String> used = pairs.stream().flatMap(p -> List.of(p.first(), p.second()).stream()).collect(Collectors.toSet());
        return checkpoints.stream().filter(used::contains).map(Topics::activations).toList();
    }

    /** The pair named {@code key} ({@code <first>~<second>}), if it is configured. */
    public Optional<CheckpointPair> find(String key) {
        return pairs.stream().filter(p -> p.key().equals(key)).findFirst();
    }

    /** True when every pair has the same first checkpoint (a trajectory against one base). */
    public boolean sharedFirst() {
        return pairs.stream().map(CheckpointPair::first).distinct().count() == 1;
    }

    /** "a~b, a~c" for messages. */
    public String keys() {
        return pairs.stream().map(CheckpointPair::key).collect(Collectors.joining(", "));
    }
}
