package dev.ckastream.cka.stats;

/** Whether a paired change (second minus first) is clearly positive, clearly negative, or neither. */
public enum ChangeVerdict {
    /** The whole interval lies above 0. */
    BETTER("better"),
    /** The whole interval lies below 0. */
    WORSE("worse"),
    /** The interval contains 0. */
    NO_CLEAR_CHANGE("no-clear-change");

    private final String wireName;

    ChangeVerdict(String wireName) {
        this.wireName = wireName;
    }

    /** The name the score JSON carries. */
    public String wireName() {
        return wireName;
    }

    /** The verdict of an interval for a change, {@code null} when the interval is {@code null}. */
    public static ChangeVerdict of(Interval change) {
        if (change == null) {
            return null;
        }
        return change.lower() > 0 ? BETTER : change.upper() < 0 ? WORSE : NO_CLEAR_CHANGE;
    }
}
