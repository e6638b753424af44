"""Subscribe: one setting chooses the newsletter provider; the form follows
that provider's embed contract.

Settings (read from the environment in publishconf.py):

``SUBSCRIBE_PROVIDER``
    ``local`` (development receiver, see ``devtools/subscribe_receiver.py``),
    ``generic`` (POST field ``email`` to ``SUBSCRIBE_ACTION``), or ``none``
    (publish without the email form: feeds only).
``SUBSCRIBE_ACTION``
    What the provider needs to build the form's address: for ``generic`` the
    full URL, for ``local`` the receiver's URL.

The templates get ``SUBSCRIBE``: provider, provider_name, action, email_field,
hidden_fields, honeypot, target, and ``form_origin`` for the CSP form-action.
"""

import logging
from urllib.parse import urlsplit

from pelican import signals

logger = logging.getLogger(__name__)

LOCAL_RECEIVER = "http://127.0.0.1:8001/subscribe"


class SubscribeConfigError(Exception):
    """A production build whose subscribe form would post nowhere."""


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _local(action):
    action = action or LOCAL_RECEIVER
    return {
        "provider_name": "this site's local development receiver",
        "action": action,
        "email_field": "email",
        "hidden_fields": [],
        "honeypot": "website",
        "target": None,
        "ajax": True,
    }


def _generic(action):
    if not action or urlsplit(action).scheme not in ("http", "https"):
        raise SubscribeConfigError(
            "subscribe: SUBSCRIBE_PROVIDER=generic needs SUBSCRIBE_ACTION set to the "
            "full http(s) URL that receives the POST field 'email'"
        )
    return {
        "provider_name": urlsplit(action).netloc,
        "action": action,
        "email_field": "email",
        "hidden_fields": [],
        "honeypot": "website",
        "target": None,
        "ajax": False,
    }


PROVIDERS = {"local": _local, "generic": _generic}


def form_config(provider, action):
    """Return the form's contract for ``provider``, or raise with a clear message."""
    provider = (provider or "").strip().lower()
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
    config = PROVIDERS[provider](action)
    config["provider"] = provider
    config["form_origin"] = _origin(config["action"])
    return config


def configure(pelican):
    settings = pelican.settings
    try:
        settings["SUBSCRIBE"] = form_config(
            settings.get("SUBSCRIBE_PROVIDER"), settings.get("SUBSCRIBE_ACTION")
        )
    except SubscribeConfigError as err:
        # A clear message and status 1, without Pelican's traceback.
        raise SystemExit(f"Build stopped: {err}") from None


def register():
    signals.initialized.connect(configure)
