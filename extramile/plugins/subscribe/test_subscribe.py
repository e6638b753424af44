"""subscribe: each provider's form contract, clear errors, and its origin in
theme_context's CSP (subscribe comes first in PLUGINS)."""

import html
from types import SimpleNamespace

import pytest

from extramile import ROOT
from extramile.plugins.subscribe import subscribe
from extramile.plugins.theme_context import theme_context


@pytest.mark.parametrize("provider, action, expected", [
    ("buttondown", "extramile", "https://buttondown.com/api/emails/embed-subscribe/extramile"),
    ("mailchimp", "https://x.us1.list-manage.com/subscribe/post?u=abc&amp;id=def",
     "https://x.us1.list-manage.com/subscribe/post?u=abc&id=def"),
    ("kit", "12345", "https://app.convertkit.com/forms/12345/subscriptions"),
    ("generic", "https://hooks.example.org/sub", "https://hooks.example.org/sub"),
    ("local", "", subscribe.LOCAL_RECEIVER),
])
def test_each_provider_gets_its_form(provider, action, expected):
    config = subscribe.form_config(provider, action)
    assert config["action"] == expected
    assert config["form_origin"] == expected[: expected.index("/", 8)]


def test_mailchimp_has_its_spam_trap():
    config = subscribe.form_config("mailchimp", "https://x.us1.list-manage.com/subscribe/post?u=abc&id=def")
    assert (config["email_field"], config["honeypot"]) == ("EMAIL", "b_abc_def")


@pytest.mark.parametrize("provider, action, message", [
    ("", "", "no newsletter provider set"),
    ("substack", "x", "unknown SUBSCRIBE_PROVIDER 'substack'"),
    ("kit", "not-digits", "Kit form id"),
    ("local", "https://example.org/x", "must be on 127.0.0.1"),
])
def test_a_wrong_setting_stops_the_build_naming_it(provider, action, message):
    settings = {"SUBSCRIBE_PROVIDER": provider, "SUBSCRIBE_ACTION": action}
    with pytest.raises(SystemExit, match=message):
        subscribe.configure(SimpleNamespace(settings=settings))


def test_the_local_receiver_is_never_published():
    settings = {"SUBSCRIBE_PROVIDER": "local", "SUBSCRIBE_ACTION": "", "PRODUCTION": True,
                "SITEURL": "https://example.org"}
    with pytest.raises(SystemExit, match="cannot be published"):
        subscribe.configure(SimpleNamespace(settings=settings))


def pelican_with(**settings):
    return SimpleNamespace(settings={
        "THEME": str(ROOT / "theme"), "THEME_STATIC_DIR": "theme", "SITEURL": "https://example.org",
        "CSP": {"form-action": ["'self'"]}, "SUBSCRIBE_PROVIDER": "kit", "SUBSCRIBE_ACTION": "42", **settings})


def test_the_form_origin_is_in_the_csp_of_every_page(tiny_build):
    output = tiny_build(["extramile.plugins.subscribe", "extramile.plugins.theme_context"],
                        SUBSCRIBE_PROVIDER="kit", SUBSCRIBE_ACTION="42")
    page = html.unescape((output / "posts" / "first-post" / "index.html").read_text())
    assert "form-action 'self' https://app.convertkit.com" in page
    assert 'action="https://app.convertkit.com/forms/42/subscriptions"' in page


def test_without_the_subscribe_plugin_the_csp_has_no_form_origin():
    pelican = pelican_with(PLUGINS=["extramile.plugins.theme_context"])
    theme_context.add_context(pelican)
    assert "convertkit" not in pelican.settings["CSP_HEADER"]
