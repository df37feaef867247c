"""What an SMTP error means for one mail: try again later, or never again to that address."""

import smtplib
from dataclasses import dataclass

SERVICE_CLOSING = 421  # the server hangs up after this reply, whatever command it answers


@dataclass(frozen=True)
class SmtpFailure:
    text: str
    # A 5xx reply about the recipient (at RCPT or after DATA): the address bounces.
    bounces: bool = False
    # The connection cannot carry the rest of the batch (lost, or our side refused).
    stops_batch: bool = False


def _reply(code: int, message) -> str:
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return " ".join(f"{code} {message}".split())[:500]


def classify(error: Exception) -> SmtpFailure:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        # One recipient per mail, so the one refusal is this mail's.
        code, message = next(iter(error.recipients.values()))
        return SmtpFailure(
            _reply(code, message), bounces=code >= 500, stops_batch=code == SERVICE_CLOSING
        )
    if isinstance(error, smtplib.SMTPDataError):
        code = error.smtp_code
        return SmtpFailure(
            _reply(code, error.smtp_error),
            bounces=code >= 500,
            stops_batch=code == SERVICE_CLOSING,
        )
    if isinstance(error, smtplib.SMTPResponseException):
        # Sender refused, authentication, HELO: about us, not the recipient; nothing else in
        # the batch would fare better.
        return SmtpFailure(_reply(error.smtp_code, error.smtp_error), stops_batch=True)
    # Disconnected, timed out, connection refused: the server or the network.
    return SmtpFailure(str(error)[:500] or type(error).__name__, stops_batch=True)
