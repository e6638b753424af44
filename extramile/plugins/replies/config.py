"""How readers reply, from the settings (publishconf.py reads them from the environment).

``REPLIES``
    ``email`` (a mailto link; needs ``REPLY_EMAIL``), ``isso`` (a form posting
    to the Isso server at ``ISSO_URL``, with the email link as the path
    without JavaScript: needs both) or ``none`` (no way to reply; replies
    already in content/replies are still shown).
"""

import re
from urllib.parse import quote, urlsplit

from extramile import LOOPBACK

MODES = ("email", "isso", "none")
EMAIL = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+")


class RepliesConfigError(Exception):
    """Replies set up so a reader's answer would go nowhere."""


def replies_config(settings):
    """{mode, email, isso_url, isso_origin} or raise with what to set."""
    mode = (settings.get("REPLIES") or "").strip().lower()
    email = (settings.get("REPLY_EMAIL") or "").strip()
    isso_url = (settings.get("ISSO_URL") or "").strip().rstrip("/")
    if mode not in MODES:
        what = "no REPLIES set" if not mode else f"unknown REPLIES {mode!r}"
        raise RepliesConfigError(
            f"replies: {what}. Set REPLIES=email (with REPLY_EMAIL=the address replies go to), "
            "REPLIES=isso (with ISSO_URL=https://your-isso-server and REPLY_EMAIL) or REPLIES=none")
    if mode in ("email", "isso") and not EMAIL.fullmatch(email):
        raise RepliesConfigError(
            f"replies: REPLIES={mode} needs REPLY_EMAIL, the address readers write to "
            f"(got {email!r}), e.g. REPLY_EMAIL=replies@example.org")
    origin = None
    if mode == "isso":
        parts = urlsplit(isso_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RepliesConfigError(
                f"replies: REPLIES=isso needs ISSO_URL, the Isso server's absolute address (got {isso_url!r}), "
                "e.g. ISSO_URL=https://example.org/isso")
        site = urlsplit(settings.get("SITEURL") or "").hostname
        if settings.get("PRODUCTION") and parts.hostname in LOOPBACK and site not in LOOPBACK:
            raise RepliesConfigError(
                f"replies: ISSO_URL {isso_url} is on this machine only; readers of {settings.get('SITEURL')} "
                "cannot reach it. Give the public address of the Isso server.")
        origin = f"{parts.scheme}://{parts.netloc}"
    return {"mode": mode, "email": email if mode != "none" else "",
            "isso_url": isso_url if mode == "isso" else "", "isso_origin": origin}


def mailto(address, title):
    """mailto: link with the subject "Re: <title>"."""
    return f"mailto:{address}?subject={quote('Re: ' + title, safe='')}"
