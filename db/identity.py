"""Who is acting: the name new records are owned by and notes are signed with.

Not a login: on a shared PostgreSQL store the server's roles and grants are the
security boundary. This is the name the team sees. In order of precedence:
`crm --user NAME`, $CRM_USER, the config's `user = "sam"` (its older name `owner`
still works), then the operating-system login.
"""
from __future__ import annotations

import os

from db import validate
from db.config import get_config

_chosen: str | None = None  # set once at start-up by the face (crm --user)

check = validate.user_name  # the rule lives in validate, where the config reads it too


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
