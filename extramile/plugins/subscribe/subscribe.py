"""Subscribe: one setting chooses the newsletter provider; the form follows
that provider's embed contract.

Settings (read from the environment in publishconf.py):

``SUBSCRIBE_PROVIDER``
    ``buttondown``, ``mailchimp``, ``kit``, ``generic``, ``none`` (publish
    without the email form: feeds only), or ``local`` (the development
    receiver, ``devtools/subscribe_receiver.py``; never in a public build).
``SUBSCRIBE_ACTION``
    What the provider needs to build the form's address (see below).

The contracts, as each provider's own embed code writes them. Sources: the
embed snippets providers hand out, as found in public sites and gists, and
the providers' documentation where it says more:

``buttondown``
    ``SUBSCRIBE_ACTION`` is the Buttondown username (or the embed URL).
    ``<form action="https://buttondown.com/api/emails/embed-subscribe/USERNAME"
    method="post" target="popupwindow">`` with ``<input type="email"
    name="email">`` and ``<input type="hidden" name="embed" value="1">``, as in
    the embed code Buttondown generated ("Powered by Buttondown" link
    included) in gist.github.com/jeremycherfas/33aa3d3596f3553786b53148541bc586
    (then on buttondown.email; newer copies use buttondown.com, e.g.
    github.com/mfaits/mfaits.github.io subscribe.md, some without ``embed``).
    No honeypot in the embed code (docs.buttondown.com describes its own spam
    validation of new subscribers and a firewall). The snippet also opens the
    popup with an inline ``onsubmit``, which our CSP forbids: the named target
    alone opens Buttondown's confirmation page in a new tab.
``mailchimp``
    ``SUBSCRIBE_ACTION`` is the form action URL of the audience's "Embedded
    form" code: ``https://DC.list-manage.com/subscribe/post?u=U&id=ID``.
    ``method="post" target="_blank"``, email field ``EMAIL``, and the spam
    trap ``<div aria-hidden="true" (off-screen)><input type="text"
    name="b_U_ID" tabindex="-1" value=""></div>`` ("real people should not
    fill this in"). Seen in Mailchimp's embed code in many public copies, e.g.
    gist.github.com/bigfleet/dd5c0168f73dc21bf98f and
    github.com/cagov/engaged.ca.gov (scripts/lambdas/MailChimp-Sign-Up-Form-Post).
``kit`` (ConvertKit)
    ``SUBSCRIBE_ACTION`` is the form id (digits) or its URL.
    ``<form action="https://app.convertkit.com/forms/ID/subscriptions"
    method="post">`` with ``<input type="email" name="email_address">``; no
    hidden fields and no honeypot (Kit's embed carries a reCAPTCHA switch in
    its data-options instead). Seen in the HTML embed shared in
    gist.github.com/nathanbarry/57c8731f384906212e03fecfb05157e3, a full Kit
    embed in github.com/pricecurrent/fattify, and the Kit/convertkit-react
    README ("pick out your form id from the form action in the embed code").
``generic``
    ``SUBSCRIBE_ACTION`` is any http(s) URL that receives a POST with the field
    ``email``; the field ``website`` is a spam trap the receiver should ignore
    when filled. With JavaScript the form first tries to post in place (a
    preflighted fetch): if the endpoint answers CORS, the reader sees its
    answer inline, otherwise the form posts the normal way.
``local``
    The development receiver (``SUBSCRIBE_ACTION`` is its URL, on 127.0.0.1 or
    localhost): fields ``email`` and the spam trap ``website``; it answers
    fetch requests with JSON and CORS, and plain posts with a thank-you page.

The templates get ``SUBSCRIBE``: provider, provider_name, action, email_field,
hidden_fields, honeypot, target, ajax, and ``form_origin`` (theme_context adds
it to the CSP's form-action, and to connect-src when ``ajax``).
"""

import logging
import re
from urllib.parse import parse_qs, urlsplit

from pelican import signals

logger = logging.getLogger(__name__)

LOCAL_RECEIVER = "http://127.0.0.1:8001/subscribe"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class SubscribeConfigError(Exception):
    """A subscribe form that would post nowhere, or to the wrong place."""


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _form(provider_name, action, email_field, honeypot=None, target=None, ajax=False, hidden=()):
    return {
        "provider_name": provider_name,
        "action": action,
        "email_field": email_field,
        "hidden_fields": list(hidden),
        "honeypot": honeypot,
        "target": target,
        "ajax": ajax,
    }


def _local(action):
    action = action or LOCAL_RECEIVER
    if urlsplit(action).hostname not in LOOPBACK:
        raise SubscribeConfigError(
            "subscribe: SUBSCRIBE_PROVIDER=local is the development receiver; its "
            f"SUBSCRIBE_ACTION must be on 127.0.0.1 or localhost, not {action!r}"
        )
    return _form("this site's local development receiver", action, "email",
                 honeypot="website", ajax=True)


def _generic(action):
    if not action or urlsplit(action).scheme not in ("http", "https") or not urlsplit(action).netloc:
        raise SubscribeConfigError(
            "subscribe: SUBSCRIBE_PROVIDER=generic needs SUBSCRIBE_ACTION set to the "
            "full http(s) URL that receives the POST field 'email'"
        )
    return _form(urlsplit(action).hostname, action, "email", honeypot="website", ajax=True)


BUTTONDOWN = re.compile(
    r"(?:https://buttondown\.(?:com|email)/api/emails/embed-subscribe/)?(?P<user>[A-Za-z0-9_-]+)/?"
)


def _buttondown(action):
    match = BUTTONDOWN.fullmatch(action.strip())
    if not match:
        raise SubscribeConfigError(
            "subscribe: SUBSCRIBE_PROVIDER=buttondown needs SUBSCRIBE_ACTION set to your "
            "Buttondown username (letters, digits, - and _), e.g. SUBSCRIBE_ACTION=extramile"
        )
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
            "(Mailchimp: Audience > Signup forms > Embedded forms)"
        )
    return _form("Mailchimp", url, "EMAIL", honeypot=f"b_{user}_{audience}", target="_blank")


KIT = re.compile(
    r"(?:https://(?P<host>app\.(?:convertkit|kit)\.com)/forms/)?(?P<id>\d+)(?:/subscriptions)?/?"
)


def _kit(action):
    match = KIT.fullmatch(action.strip())
    if not match:
        raise SubscribeConfigError(
            "subscribe: SUBSCRIBE_PROVIDER=kit needs SUBSCRIBE_ACTION set to your Kit form id "
            "(the digits in https://app.convertkit.com/forms/ID/subscriptions of its HTML embed)"
        )
    host = match["host"] or "app.convertkit.com"
    return _form("Kit", f"https://{host}/forms/{match['id']}/subscriptions", "email_address")


PROVIDERS = {
    "buttondown": _buttondown,
    "mailchimp": _mailchimp,
    "kit": _kit,
    "generic": _generic,
    "local": _local,
}


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
                "publish without the email form"
            )
        raise SubscribeConfigError(
            f"subscribe: unknown SUBSCRIBE_PROVIDER {provider!r}; use one of {known}"
        )
    if not action and provider != "local":
        raise SubscribeConfigError(
            f"subscribe: SUBSCRIBE_PROVIDER={provider} needs SUBSCRIBE_ACTION "
            "(see docs/deploying.md, 'Building for production')"
        )
    config = PROVIDERS[provider](action)
    config["provider"] = provider
    config["form_origin"] = _origin(config["action"])
    return config


def check_public(config, settings):
    """The development receiver never goes into a build for a public address."""
    site = urlsplit(settings.get("SITEURL") or "").hostname
    if config["provider"] == "local" and settings.get("PRODUCTION") and site not in LOOPBACK:
        raise SubscribeConfigError(
            "subscribe: SUBSCRIBE_PROVIDER=local is the development receiver and cannot "
            f"be published at {settings.get('SITEURL')}; choose a real provider or none"
        )


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
