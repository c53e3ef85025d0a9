package dev.ckastream.contract;

/** An activation record that cannot be counted: the reason and the detail a person needs. */
public final class InvalidActivation extends Exception {

    private final ActivationRejection reason;
    private final String detail;

    public InvalidActivation(ActivationRejection reason, String detail) {
        super(DeadLetterHeaders.error(reason.code(), detail), null, false, false);
        this.reason = reason;
        this.detail = detail;
    }

    public ActivationRejection reason() {
        return reason;
    }

    public String detail() {
        return detail;
    }
}
