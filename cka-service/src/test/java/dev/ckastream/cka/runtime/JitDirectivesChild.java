package dev.ckastream.cka.runtime;

import java.util.List;

/**
 * Run in a JVM of its own by {@link JitDirectivesTest} (with {@code -XX:+PrintCompilation}): installs directives
 * that keep C2 to {@link Kept}, then makes both nested classes' {@code work} hot.
 */
public final class JitDirectivesChild {

    private JitDirectivesChild() {
    }

    static final class Kept {
        static long work(long x) {
            return x * 31 + (x >>> 7) ^ (x << 3);
        }
    }

    static final class Refused {
        static long work(long x) {
            return x * 37 + (x >>> 5) ^ (x << 2);
        }
    }

    public static void main(String[] args) {
        String refused = JitDirectives.install(List.of(Kept.class.getName()));
        System.out.println("installed: " + (refused == null ? "yes" : refused));
        long s = 0;
        for (int round = 0; round < 200; round++) {
            for (long i = 0; i < 100_000; i++) {
                s += Kept.work(i + s) + Refused.work(i - s);
            }
        }
        System.out.println("done " + s);
    }
}
