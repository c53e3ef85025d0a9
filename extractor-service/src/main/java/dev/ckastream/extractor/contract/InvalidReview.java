package dev.ckastream.extractor.contract;

/**
 * Why an input record breaks the review contract. {@link #reason} is a stable code (metrics label and the
 * start of the {@code error} header); {@link #getMessage()} adds the detail a person needs.
 */
public final class InvalidReview extends Exception {

    /** Stable reason codes, one per way a record can break the contract. */
    public enum Reason {
        NULL_VALUE("null-value"),
        INVALID_UTF8("invalid-utf8"),
        NOT_JSON("not-json"),
        NOT_AN_OBJECT("not-an-object"),
        MISSING_ID("missing-id"),
        MISSING_TEXT("missing-text"),
        BAD_LABEL("bad-label"),
        KEY_MISMATCH("key-mismatch"),
        TEXT_TOO_LONG("text-too-long");

        public final String code;

        Reason(String code) {
            this.code = code;
        }
    }

    public final Reason reason;

    public InvalidReview(Reason reason, String detail) {
        super(reason.code + ": " + detail, null, false, false);
        this.reason = reason;
    }
}
