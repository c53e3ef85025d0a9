package dev.ckastream.cka.dashboard;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** The dashboard's number formatting (dashboard.js), written independently in Java for the tests to compare with. */
final class PageFormat {

    static final String DASH = "\u2014";

    private PageFormat() {
    }

    /** Fixed decimals, half-up on the exact binary value (as Number#toFixed), U+2212 for negatives. */
    static String fixed(double x, int digits) {
        String s = new BigDecimal(Math.abs(x)).setScale(digits, RoundingMode.HALF_UP).toPlainString();
        return x < 0 && s.chars().anyMatch(c -> c >= '1' && c <= '9') ? "\u2212" + s : s;
    }

    /** As {@link #fixed}, with an explicit "+" on positive values (differences). */
    static String signed(double x, int digits) {
        String s = fixed(x, digits);
        return x > 0 && s.chars().anyMatch(c -> c >= '1' && c <= '9') ? "+" + s : s;
    }

    /** The confidence level as the page writes it: 0.95 as "95 %", 0.975 as "97.5 %". */
    static String level(double level) {
        return new BigDecimal(level * 100).setScale(2, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString() + " %";
    }
}
