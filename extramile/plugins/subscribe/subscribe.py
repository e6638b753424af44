"""Subscribe: ``SUBSCRIBE_PROVIDER`` chooses the newsletter provider (settings:
docs/deploying.md); the form follows that provider's own embed code, as found
in public copies of it:

``buttondown``
    ``SUBSCRIBE_ACTION``: the username. POST to
    ``buttondown.com/api/emails/embed-subscribe/USER``, field ``email``, hidden
    ``embed=1``, ``target="popupwindow"`` (gist jeremycherfas/33aa3d35...; its
    inline ``onsubmit`` is left out, as our CSP forbids it). No honeypot.
``mailchimp``
    ``SUBSCRIBE_ACTION``: the embedded form's action
    (``https://DC.list-manage.com/subscribe/post?u=U&id=ID``); field ``EMAIL``,
    honeypot ``b_U_ID``, ``target="_blank"`` (gist bigfleet/dd5c0168...).
``kit`` (ConvertKit)
    ``SUBSCRIBE_ACTION``: the form id. POST to
    ``app.convertkit.com/forms/ID/subscriptions``, field ``email_address``, no
    honeypot (gist nathanbarry/57c8731f...).
``generic``
    Any http(s) URL taking a POST with ``email``; ``website`` is a spam trap.
    With JavaScript the form first tries a fetch (CORS), else posts normally.
``local``
    The development receiver (devtools/subscribe_receiver.py), on 127.0.0.1 or
    localhost only, never in a public build.
``none``
    No email form: feeds only.

The templates get ``SUBSCRIBE``: the form's contract and ``form_origin``
(theme_context adds it to the CSP).
"""

import re
from urllib.parse import parse_qs, urlsplit

from pelican import signals

from extramile import LOOPBACK

LOCAL_RECEIVER = "http://127.0.0.1:8001/subscribe"


class SubscribeConfigError(Exception):
    """A subscribe form that would post nowhere, or to the wrong place."""


def _form(provider_name, action, email_field, honeypot=None, target=None, ajax=False, hidden=()):
    return {"provider_name": provider_name, "action": action, "email_field": email_field,
            "hidden_fields": list(hidden), "honeypot": honeypot, "target": target, "ajax": ajax}


def _local(action):
    action = action or LOCAL_RECEIVER
    if urlsplit(action).hostname not in LOOPBACK:
        raise SubscribeConfigError(
            "subscribe: SUBSCRIBE_PROVIDER=local is the development receiver; its "
            f"SUBSCRIBE_ACTION must be on 127.0.0.1 or localhost, not {action!r}")
    return _form("this site's local development receiver", action, "email",
                 honeypot="website", ajax=True)


def _generic(action):
    if not action or urlsplit(action).scheme not in ("http", "https") or not urlsplit(action).netloc:
        raise SubscribeConfigError(
            "subscribe: SUBSCRIBE_PROVIDER=generic needs SUBSCRIBE_ACTION set to the "
            "full http(s) URL that receives the POST field 'email'")
    return _form(urlsplit(action).hostname, action, "email", honeypot="website", ajax=True)


BUTTONDOWN = re.compile(r"(?:https://buttondown\.(?:com|email)/api/emails/embed-subscribe/)?(?P<user>[A-Za-z0-9_-]+)/?")


def _buttondown(action):
    match = BUTTONDOWN.fullmatch(action.strip())
    if not match:
        raise SubscribeConfigError(
            "subscribe: SUBSCRIBE_PROVIDER=buttondown needs SUBSCRIBE_ACTION set to your "
            "Buttondown username (letters, digits, - and _), e.g. SUBSCRIBE_ACTION=extramile")
    user = match["user"]
    return _form("Buttondown", f"https://buttondown.com/api/emails/embed-subscribe/{user}",
                 "email", target="popupwindow", hidden=[("embed", "1")])


def _mailchimp(action):
    # Copied from HTML, the action often carries "&amp;" for "&".
    url = action.strip().replace("&amp;", "&")
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    user, audience = query.get("u", [""])[0], query.get("id", [""])[0]
    if (parts.scheme != "https" or not (parts.hostname or "").endswith(".list-manage.com")
            or parts.path.rstrip("/") != "/subscribe/post"
            or not re.fullmatch(r"[A-Za-z0-9]+", user) or not re.fullmatch(r"[A-Za-z0-9]+", audience)):
        raise SubscribeConfigError(
            "subscribe: SUBSCRIBE_PROVIDER=mailchimp needs SUBSCRIBE_ACTION set to the form "
            "action of your audience's embedded form, like "
            "https://XXXX.us1.list-manage.com/subscribe/post?u=...&id=... "
            "(Mailchimp: Audience > Signup forms > Embedded forms)")
    return _form("Mailchimp", url, "EMAIL", honeypot=f"b_{user}_{audience}", target="_blank")


KIT = re.compile(r"(?:https://(?P<host>app\.(?:convertkit|kit)\.com)/forms/)?(?P<id>\d+)(?:/subscriptions)?/?")


def _kit(action):
    match = KIT.fullmatch(action.strip())
    if not match:
        raise SubscribeConfigError(
            "subscribe: SUBSCRIBE_PROVIDER=kit needs SUBSCRIBE_ACTION set to your Kit form id "
            "(the digits in https://app.convertkit.com/forms/ID/subscriptions of its HTML embed)")
    host = match["host"] or "app.convertkit.com"
    return _form("Kit", f"https://{host}/forms/{match['id']}/subscriptions", "email_address")


PROVIDERS = {"buttondown": _buttondown, "mailchimp": _mailchimp, "kit": _kit, "generic": _generic, "local": _local}


def form_config(provider, action):
    """Return the form's contract for ``provider``, or raise with a clear message."""
    provider = (provider or "").strip().lower()
    action = (action or "").strip()
    if provider == "none":
        return {"provider": "none", "form_origin": None}
    if provider not in PROVIDERS:
        known = ", ".join(sorted([*PROVIDERS, "none"]))
        if not provider:
            raise SubscribeConfigError(
                "subscribe: no newsletter provider set. Set SUBSCRIBE_PROVIDER "
                f"({known}) and SUBSCRIBE_ACTION, or SUBSCRIBE_PROVIDER=none to "
                "publish without the email form")
        raise SubscribeConfigError(
            f"subscribe: unknown SUBSCRIBE_PROVIDER {provider!r}; use one of {known}")
    if not action and provider != "local":
        raise SubscribeConfigError(
            f"subscribe: SUBSCRIBE_PROVIDER={provider} needs SUBSCRIBE_ACTION "
            "(see docs/deploying.md, 'Building for production')")
    config = PROVIDERS[provider](action)
    parts = urlsplit(config["action"])
    return {**config, "provider": provider, "form_origin": f"{parts.scheme}://{parts.netloc}"}


def check_public(config, settings):
    """The development receiver never goes into a build for a public address."""
    site = urlsplit(settings.get("SITEURL") or "").hostname
    if config["provider"] == "local" and settings.get("PRODUCTION") and site not in LOOPBACK:
        raise SubscribeConfigError(
            "subscribe: SUBSCRIBE_PROVIDER=local is the development receiver and cannot "
            f"be published at {settings.get('SITEURL')}; choose a real provider or none")


def configure(pelican):
    settings = pelican.settings
    try:
        config = form_config(settings.get("SUBSCRIBE_PROVIDER"), settings.get("SUBSCRIBE_ACTION"))
        check_public(config, settings)
    except SubscribeConfigError as err:
        # A clear message and status 1, without Pelican's traceback.
        raise SystemExit(f"Build stopped: {err}") from None
    settings["SUBSCRIBE"] = config


def register():
    # initialized: before anything is read or written, and before theme_context
    # (later in PLUGINS) puts the form's origin into the CSP.
    signals.initialized.connect(configure)
