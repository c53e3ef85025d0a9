package dev.ckastream.contract;

/** A record or JSON document that breaks the review contract: the reason and the detail a person needs. */
public final class InvalidReview extends Exception {

    private final ReviewRejection reason;
    private final String detail;

    public InvalidReview(ReviewRejection reason, String detail) {
        super(DeadLetterHeaders.error(reason.code(), detail), null, false, false);
        this.reason = reason;
        this.detail = detail;
    }

    public ReviewRejection reason() {
        return reason;
    }

    public String detail() {
        return detail;
    }
}
