"""Safe redirect targets: only paths on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request, url_for


def safe_next(target: str | None, default_endpoint: str = "core.home") -> str:
    """Return target when it is a local path, else the default page.

    Refuses absolute URLs, scheme-relative ("//evil"), backslash tricks and control characters.
    """
    if target and len(target) <= 2000 and _is_local_path(target):
        return target
    return url_for(default_endpoint)


def _is_local_path(target: str) -> bool:
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def current_path() -> str:
    return request.full_path.rstrip("?") if request.query_string else request.path
