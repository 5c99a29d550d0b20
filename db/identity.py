"""Who is acting: the name new records are owned by and notes are signed with.

Not a login: on a shared PostgreSQL store the server's roles and grants are the
security boundary. This is the name the team sees. In order of precedence:
`crm --user NAME`, $CRM_USER, the config's `user = "sam"` (its older name `owner`
still works), then the operating-system login.
"""
from __future__ import annotations

import os
import unicodedata

from db.config import get_config
from db.errors import Invalid

MAX_LENGTH = 100

_chosen: str | None = None  # set once at start-up by the face (crm --user)


def check(name, where: str = "user") -> str:
    """The name, trimmed; Invalid naming `where` if it cannot be a user's name."""
    text = str(name).strip()
    if not text:
        raise Invalid(where, "a user name cannot be empty")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text):
        raise Invalid(where, "a user name cannot hold control characters or line breaks")
    if len(text) > MAX_LENGTH:
        raise Invalid(where, f"a user name is at most {MAX_LENGTH} characters, not {len(text)}")
    return text


def choose(name: str | None) -> None:
    """Set the acting user for this process from `--user` (None: $CRM_USER, else the
    config). Checks the name now, so a bad one fails before any command runs."""
    global _chosen
    _chosen = None
    env = os.environ.get("CRM_USER")
    if name is not None:
        _chosen = check(name, "--user")
    elif env:
        _chosen = check(env, "CRM_USER")


def current_user() -> str:
    """The acting user's name."""
    if _chosen is not None:
        return _chosen
    env = os.environ.get("CRM_USER")
    if env:  # empty counts as unset, like CRM_DB
        return check(env, "CRM_USER")
    return get_config().user  # config user/owner, else the login; checked when the config was read
