"""Where a URL points: what may carry a credential, and what two URLs share.

Kept apart from ``app.http`` because the settings, the registry and the cache ask these
questions too, without sending anything.
"""

from __future__ import annotations

import ipaddress
import urllib.parse


def is_loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """Refuse URLs that would send credentials in clear text off this machine."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is not None or parts.password is not None:
        # Said with the host only: the password would be echoed to the screen. Every message
        # starts with the URL, so "--login-url " or a form's "Login URL " can lead it.
        raise ValueError(f"{parts.scheme}://{parts.hostname or ''}… holds a user name or "
                         "password: give the URL without them (the secret goes to the OS "
                         "keyring, never into the settings)")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL: give the full address; it starts "
                         "with https://, e.g. https://host.example.com")
    if parts.scheme == "http" and not is_loopback(url):
        raise ValueError(
            f"{url} is plain http: use https (http is allowed only for loopback addresses)"
        )
    return url.rstrip("/")


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-cased: what two URLs must share before a
    credential meant for one is sent to the other ("" when the URL has no host)."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.netloc else ""


def moved_url(url: str, old_base: str, new_base: str) -> str | None:
    """``url`` as it reads once its server moved from ``old_base`` to ``new_base``, or None
    when ``url`` is not on ``old_base``'s origin (a recording on S3 stays where it is).

    The origin is swapped, and so is the base's path where ``url`` lies under it: a server
    moved from ``https://old/bt`` to ``https://new/support`` serves ``/bt/api/reporting``
    as ``/support/api/reporting``."""
    if not url or not origin(old_base) or origin(url) != origin(old_base):
        return None
    parts, old, new = (urllib.parse.urlsplit(u) for u in (url, old_base, new_base))
    old_path, new_path = old.path.rstrip("/"), new.path.rstrip("/")
    path = parts.path
    if old_path != new_path and (path == old_path or path.startswith(old_path + "/")):
        path = new_path + path[len(old_path):]
    return urllib.parse.urlunsplit((new.scheme, new.netloc, path, parts.query, parts.fragment))
