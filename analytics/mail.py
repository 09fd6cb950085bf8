"""Sending the report by email: the HTML page as the message body, the CSV attached, through
the store's SMTP server (stdlib smtplib; STARTTLS and login when configured)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from analytics.render import ReportFiles
from analytics.settings import EmailSettings

DEFAULT_TIMEOUT = 30.0


class ReportEmailError(RuntimeError):
    """The report could not be emailed; the message says why (the files are written)."""


class SmtpRefused(ReportEmailError):
    """The SMTP server answered with an error code."""

    def __init__(self, message: str, *, code: int | None, reply: str) -> None:
        super().__init__(message)
        self.code = code
        self.reply = reply


def message(files: ReportFiles, *, settings: EmailSettings, subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.to)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    msg.set_content(
        "The Shopdesk KPI report is in this message as HTML; the figures are attached as CSV."
    )
    msg.add_alternative(files.html.read_text(encoding="utf-8"), subtype="html")
    msg.add_attachment(
        files.csv.read_bytes(), maintype="text", subtype="csv", filename=files.csv.name
    )
    return msg


def send(
    files: ReportFiles,
    *,
    settings: EmailSettings,
    subject: str,
    timeout: float = DEFAULT_TIMEOUT,
) -> None:
    """Delivers the report to every address in settings.to, or raises ReportEmailError."""
    msg = message(files, settings=settings, subject=subject)
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.login is not None:
                smtp.login(*settings.login)
            refused = smtp.send_message(msg)
    except smtplib.SMTPResponseException as exc:
        error = exc.smtp_error
        reply = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
        raise SmtpRefused(
            f"SMTP {settings.host}:{settings.port} refused: {exc.smtp_code} {reply}",
            code=exc.smtp_code,
            reply=reply,
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise SmtpRefused(
            f"SMTP {settings.host}:{settings.port} refused every recipient",
            code=None,
            reply=str(exc.recipients),
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise ReportEmailError(
            f"cannot send the report through {settings.host}:{settings.port}: "
            f"{type(exc).__name__}: {exc}"
        ) from None
    if refused:
        raise SmtpRefused(
            f"SMTP {settings.host}:{settings.port} refused: {', '.join(sorted(refused))}",
            code=None,
            reply=str(refused),
        )
