"""Sending reminder digests by SMTP, as the config file's [smtp] table says.

The password comes from the environment variable named by password_env: it is never
stored in the database, the config file or any output.
"""
from __future__ import annotations

import base64
import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from db.config import get_config
from db.errors import StoreError

SECURITY = ("none", "starttls", "ssl")


def recipient(owner: str | None) -> str:
    cfg = get_config()
    address = cfg.owners.get(owner or "") or (owner if owner and "@" in owner else None)
    if not address:
        raise StoreError(f"config: no email address for owner {owner!r} (add it under [owners])")
    return address


def _settings() -> dict:
    cfg = get_config()
    smtp = cfg.smtp
    where = f"{cfg.path or 'config'} [smtp]"
    if not smtp.get("host"):
        raise StoreError(f"{where}: host is not set")
    security = str(smtp.get("security", "starttls")).lower()
    if security not in SECURITY:
        raise StoreError(f"{where}: security must be one of {', '.join(SECURITY)}")
    password = None
    if smtp.get("password_env"):
        password = os.environ.get(smtp["password_env"])
        if password is None:
            raise StoreError(f"{where}: environment variable {smtp['password_env']} is not set")
    default_port = {"none": 25, "starttls": 587, "ssl": 465}[security]
    port = smtp.get("port", default_port)
    if isinstance(port, str) and port.strip().isascii() and port.strip().isdigit():
        port = int(port)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise StoreError(f"{where}: port must be a number from 1 to 65535")
    return {"host": smtp["host"], "port": port, "security": security,
            "user": smtp.get("user"), "password": password, "from": smtp.get("from") or smtp.get("user") or "crm@localhost"}


def message(to: str, subject: str, body: str, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="crm.local")
    msg.set_content(body)
    return msg


def login(conn: smtplib.SMTP, user: str, password: str) -> None:
    """Log in. smtplib encodes credentials as ASCII (UnicodeEncodeError on 'pässword');
    AUTH PLAIN and LOGIN carry UTF-8 (RFC 4616), so non-ASCII ones go that way."""
    if (user + password).isascii():
        conn.login(user, password)
        return
    conn.ehlo_or_helo_if_needed()
    offered = conn.esmtp_features.get("auth", "").upper().split()
    b64 = lambda text: base64.b64encode(text.encode("utf-8")).decode("ascii")  # noqa: E731
    if "PLAIN" in offered:
        code, reply = conn.docmd("AUTH", "PLAIN " + b64(f"\0{user}\0{password}"))
    elif "LOGIN" in offered:
        code, reply = conn.docmd("AUTH", "LOGIN " + b64(user))
        if code == 334:
            code, reply = conn.docmd(b64(password))
    else:
        raise smtplib.SMTPNotSupportedError("the server offers no login that takes a non-ASCII password "
                                            "(AUTH PLAIN or LOGIN)")
    if code not in (235, 503):  # 503: already authenticated
        raise smtplib.SMTPAuthenticationError(code, reply)


def send(messages: list[tuple[str, str, str]], timeout: float = 30) -> None:
    """Send (to, subject, body) messages over one connection. Raises StoreError with
    one line on any SMTP or network failure (the password never appears in it)."""
    s = _settings()
    try:
        if s["security"] == "ssl":
            conn = smtplib.SMTP_SSL(s["host"], s["port"], timeout=timeout, context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(s["host"], s["port"], timeout=timeout)
        with conn:
            if s["security"] == "starttls":
                conn.starttls(context=ssl.create_default_context())
            if s["user"] and s["password"] is not None:
                login(conn, s["user"], s["password"])
            for to, subject, body in messages:
                conn.send_message(message(to, subject, body, s["from"]))
    except (smtplib.SMTPException, OSError, UnicodeError) as exc:  # UnicodeError: a non-ASCII address
        reason = getattr(exc, "smtp_error", None)
        reason = reason.decode(errors="replace") if isinstance(reason, bytes) else (reason or exc)
        raise StoreError(f"smtp {s['host']}:{s['port']}: {reason}") from None
