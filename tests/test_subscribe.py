"""Subscribe by email: each provider's form contract, the settings checks, the
development receiver, and real Chromium posting to it with and without
JavaScript."""

import http.client
import json
import threading

import pytest
from support import GENERIC_SUBSCRIBE, PROD_SITEURL, cache_override, run_pelican, serve_production_site

from extramile.devtools import local_servers
from extramile.devtools.subscribe_receiver import MAX_BODY, Receiver
from extramile.plugins.subscribe.subscribe import SubscribeConfigError, form_config
from extramile.tools.serving import free_port

# What each provider's embed code expects (sources in plugins/subscribe).
CONTRACTS = {
    "buttondown": {
        "env": "extramile",
        "action": "https://buttondown.com/api/emails/embed-subscribe/extramile",
        "email": "email", "honeypot": None, "hidden": {"embed": "1"}, "target": "popupwindow",
        "ajax": False,
    },
    "mailchimp": {
        # As copied from Mailchimp's HTML, with &amp;.
        "env": "https://example.us21.list-manage.com/subscribe/post?u=1a2b3c4d&amp;id=5e6f7a",
        "action": "https://example.us21.list-manage.com/subscribe/post?u=1a2b3c4d&id=5e6f7a",
        "email": "EMAIL", "honeypot": "b_1a2b3c4d_5e6f7a", "hidden": {}, "target": "_blank",
        "ajax": False,
    },
    "kit": {
        "env": "1234567",
        "action": "https://app.convertkit.com/forms/1234567/subscriptions",
        "email": "email_address", "honeypot": None, "hidden": {}, "target": None, "ajax": False,
    },
    "generic": {
        "env": GENERIC_SUBSCRIBE,
        "action": GENERIC_SUBSCRIBE,
        "email": "email", "honeypot": "website", "hidden": {}, "target": None, "ajax": True,
    },
}
PAGES = ["index.html", "posts/in-customers-we-trust/index.html", "subscribe/index.html"]


def build_with(tmp, provider, action):
    return run_pelican(tmp / "out", conf="publishconf.py",
                       env={"SITEURL": PROD_SITEURL, "SUBSCRIBE_PROVIDER": provider,
                            "SUBSCRIBE_ACTION": action},
                       extra=cache_override(tmp / "cache"))


def csp(soup):
    meta = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    return {d.split()[0]: d.split()[1:] for d in meta.split("; ")}


@pytest.mark.parametrize("provider", sorted(CONTRACTS))
def test_form_follows_the_provider_contract(tmp_path, provider, request):
    want = CONTRACTS[provider]
    if provider == "generic":  # the session's production build (conftest) is this very build
        build = request.getfixturevalue("prod_site")
    else:
        build = build_with(tmp_path, provider, want["env"])
    assert build.returncode == 0, build.log
    for rel in PAGES:
        soup = build.soup(rel)
        forms = soup.select("form[data-subscribe]")
        assert forms, f"no subscribe form on {rel}"
        for form in forms:
            assert form["action"] == want["action"]
            assert form["method"] == "post"
            assert form.get("target") == want["target"]
            if want["target"]:
                assert "noopener" in form["rel"]
            assert form.has_attr("data-ajax") == want["ajax"]
            email = form.find("input", attrs={"type": "email"})
            assert email["name"] == want["email"]
            assert email.has_attr("required") and email["autocomplete"] == "email"
            assert soup.find("label", attrs={"for": email["id"]}).get_text(strip=True)
            assert form.find("button", attrs={"type": "submit"}).get_text(strip=True) == "Subscribe"
            assert "Your address goes to" in form.get_text()
            for name, value in want["hidden"].items():
                assert form.find("input", attrs={"type": "hidden", "name": name})["value"] == value
            names = {i["name"] for i in form.find_all("input")}
            expected = {want["email"], *want["hidden"], *([want["honeypot"]] if want["honeypot"] else [])}
            assert names == expected, "the form sends exactly the contract's fields"
            if want["honeypot"]:
                trap = form.find("input", attrs={"name": want["honeypot"]})
                assert trap["type"] == "text" and trap["tabindex"] == "-1" and trap["value"] == ""
                assert trap["autocomplete"] == "off"
                wrapper = trap.find_parent("div")
                assert wrapper["aria-hidden"] == "true" and "hp-field" in wrapper["class"]
        if rel == "subscribe/index.html":
            assert soup.find(id="subscribe-email-heading").get_text() == "By email"
        policy = csp(soup)
        origin = "/".join(want["action"].split("/")[:3])
        assert origin in policy["form-action"]
        assert (origin in policy["connect-src"]) == want["ajax"]


def test_none_publishes_feeds_only(tmp_path):
    build = build_with(tmp_path, "none", "")
    assert build.returncode == 0, build.log
    for rel in PAGES:
        soup = build.soup(rel)
        assert not soup.select("form[data-subscribe]")
        assert soup.select_one(f'a[href="{PROD_SITEURL}/feeds/all.atom.xml"]')
        assert csp(soup)["form-action"] == ["'self'"]
    page = build.soup("subscribe/index.html")
    assert not page.find(id="subscribe-email-heading"), "no 'By email' section without a form"
    assert "A feed is a web address" in page.find(id="what-is-a-feed").get_text()


def test_production_build_without_provider_stops_with_a_message(tmp_path):
    build = build_with(tmp_path, "", "")
    assert build.returncode == 1
    assert "Build stopped: subscribe: no newsletter provider set. Set SUBSCRIBE_PROVIDER" in build.log
    assert "SUBSCRIBE_PROVIDER=none" in build.log
    assert "Traceback" not in build.log
    assert not (tmp_path / "out" / "index.html").exists()


@pytest.mark.parametrize("provider, action, message", [
    ("buttondown", "", "needs SUBSCRIBE_ACTION"),
    ("buttondown", "https://example.org/not-buttondown", "your Buttondown username"),
    ("mailchimp", "https://example.org/subscribe/post?u=1&id=2", "embedded form"),
    ("mailchimp", "https://x.us1.list-manage.com/subscribe/post?u=1a2b", "embedded form"),
    ("kit", "my-form", "Kit form id"),
    ("generic", "newsletter.example.net/subscribe", "full http(s) URL"),
    ("local", "https://newsletter.example.net/subscribe", "127.0.0.1 or localhost"),
    ("mailchump", "x", "unknown SUBSCRIBE_PROVIDER 'mailchump'"),
])
def test_bad_settings_are_explained(provider, action, message):
    with pytest.raises(SubscribeConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        form_config(provider, action)


def test_bad_settings_stop_the_build_without_traceback(tmp_path):
    build = build_with(tmp_path, "kit", "https://app.convertkit.com/forms/abc/subscriptions")
    assert build.returncode == 1
    assert "Build stopped: subscribe: SUBSCRIBE_PROVIDER=kit needs SUBSCRIBE_ACTION set to your Kit form id" in build.log
    assert "Traceback" not in build.log


def test_local_receiver_is_never_published_at_a_public_address(tmp_path):
    build = build_with(tmp_path, "local", "http://127.0.0.1:8001/subscribe")
    assert build.returncode == 1
    assert "SUBSCRIBE_PROVIDER=local is the development receiver and cannot be published" in build.log
    assert "Traceback" not in build.log


def test_published_output_has_no_receiver(prod_site):
    for path in prod_site.output.rglob("*"):
        assert "subscribe_receiver" not in path.name and "sqlite" not in path.suffix
        if path.suffix in (".html", ".xml", ".json", ".js"):
            assert "127.0.0.1:8001" not in path.read_text(encoding="utf-8"), path


# -- The development receiver ------------------------------------------------
SITE = "http://127.0.0.1:8000/"


@pytest.fixture
def receiver(tmp_path):
    server = Receiver(port=0, db=tmp_path / "subscribers.sqlite3", site_url=SITE, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def post(server, body, headers=None, method="POST", path="/subscribe"):
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    result = response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace")
    conn.close()
    return result


def test_receiver_listens_on_loopback_only(receiver):
    assert receiver.server_address[0] == "127.0.0.1"


def test_receiver_records_and_thanks_with_a_link_back(receiver):
    status, headers, body = post(receiver, "email=reader%40example.org&website=")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "reader@example.org is subscribed" in body and f'<a href="{SITE}">Back to the site</a>' in body
    assert receiver.store.all() == ["reader@example.org"]
    status, _, body = post(receiver, "email=reader%40example.org")
    assert status == 200 and "already subscribed" in body
    assert receiver.store.all() == ["reader@example.org"]


def test_receiver_answers_fetch_with_json_and_cors_for_the_site_only(receiver):
    status, headers, body = post(receiver, "email=a%40example.org",
                                 {"Accept": "application/json", "Origin": "http://127.0.0.1:8000"})
    assert status == 200 and json.loads(body) == {"ok": True, "message": "Thank you! a@example.org is subscribed."}
    assert headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8000"
    status, headers, _ = post(receiver, "", {"Origin": "http://127.0.0.1:8000",
                                             "Access-Control-Request-Method": "POST"}, method="OPTIONS")
    assert status == 204 and headers["Access-Control-Allow-Headers"] == "X-Requested-With"
    status, headers, _ = post(receiver, "", {"Origin": "https://evil.example"}, method="OPTIONS")
    assert status == 403 and "Access-Control-Allow-Origin" not in headers
    status, headers, _ = post(receiver, "email=b%40example.org",
                              {"Accept": "application/json", "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in headers


@pytest.mark.parametrize("body, headers, status", [
    ("email=" + "a" * MAX_BODY + "%40example.org", {}, 413),
    ("email=a%40example.org", {"Content-Type": "text/plain"}, 400),
    ("email=a%40example.org", {"Content-Type": "application/json"}, 400),
    (b"email=\xff%40example.org", {}, 400),
    ("email=a%40example.org&&&=", {}, 400),
    ("email=not-an-address", {}, 400),
    ("email=a%40b", {}, 400),
    ("email=a%40example.org&email=b%40example.org", {}, 400),
    ("email=%3Cscript%3E%40example.org%0A", {}, 400),
    ("", {}, 400),
])
def test_receiver_rejects_oversized_malformed_and_non_email(receiver, body, headers, status):
    got, _, text = post(receiver, body, headers)
    assert got == status
    assert "<script>" not in text
    assert receiver.store.all() == []


def test_receiver_rejects_a_missing_length(receiver):
    conn = http.client.HTTPConnection("127.0.0.1", receiver.server_address[1], timeout=10)
    conn.putrequest("POST", "/subscribe")
    conn.putheader("Content-Type", "application/x-www-form-urlencoded")
    conn.endheaders()
    assert conn.getresponse().status == 400
    conn.close()


def test_receiver_accepts_a_filled_honeypot_silently(receiver):
    status, _, body = post(receiver, "email=bot%40example.org&website=http%3A%2F%2Fspam.example")
    assert status == 200 and "Thank you" in body
    assert receiver.store.all() == []


def test_receiver_escapes_what_it_shows(receiver):
    status, _, body = post(receiver, "email=o%27neil%26co%40example.org")
    assert status == 200 and "o&#x27;neil&amp;co@example.org is subscribed" in body


# -- Real Chromium, real receiver ----------------------------------------------
@pytest.fixture(scope="module")
def subscribe_site(tmp_path_factory):
    """The production site (provider `local`) served on 127.0.0.1, its form
    posting to a receiver this fixture runs."""
    tmp = tmp_path_factory.mktemp("subscribe")
    server = Receiver(port=0, db=tmp / "subscribers.sqlite3", quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    build = serve_production_site(tmp, env={"SUBSCRIBE_PROVIDER": "local",
                                            "SUBSCRIBE_ACTION": server.url})
    server.set_site(build.url + "/")
    build.receiver = server
    yield build
    build.server.stop()
    server.shutdown()
    server.server_close()


ARTICLE = "/posts/in-customers-we-trust/"


def test_form_posts_in_place_with_javascript(subscribe_site, page):
    page.goto(subscribe_site.url + ARTICLE)
    form = page.locator("form[data-subscribe]").first
    form.get_by_label("Your email address").fill("js-reader@example.org")
    form.get_by_role("button", name="Subscribe").click()
    status = form.locator("[role=status]")
    status.filter(has_text="is subscribed").wait_for()
    assert status.inner_text() == "Thank you! js-reader@example.org is subscribed."
    assert page.url == subscribe_site.url + ARTICLE, "the reader stays on the article"
    assert form.get_by_label("Your email address").input_value() == ""
    assert "js-reader@example.org" in subscribe_site.receiver.store.all()
    assert form.locator(".hp-field input").input_value() == ""
    assert page.errors == []  # no CSP violation, no script error


def test_receiver_error_shows_inline(subscribe_site, page):
    page.goto(subscribe_site.url + "/subscribe/")
    form = page.locator("form[data-subscribe]").first
    # Valid for the browser's type=email check, refused by the receiver.
    form.get_by_label("Your email address").fill("someone@localhost")
    form.get_by_role("button", name="Subscribe").click()
    status = form.locator("[role=status]")
    status.filter(has_text="does not look like").wait_for()
    assert form.get_by_label("Your email address").input_value() == "someone@localhost"
    assert "someone@localhost" not in subscribe_site.receiver.store.all()
    assert [e for e in page.errors if "400" not in e] == []  # the console notes the 400 itself


def test_form_posts_without_javascript(subscribe_site, no_js_page):
    no_js_page.goto(subscribe_site.url + ARTICLE)
    form = no_js_page.locator("form[data-subscribe]").first
    form.get_by_label("Your email address").fill("plain-reader@example.org")
    with no_js_page.expect_navigation():
        form.get_by_role("button", name="Subscribe").click()
    assert no_js_page.url == subscribe_site.receiver.url
    assert no_js_page.get_by_role("heading").inner_text() == "Thank you"
    assert "plain-reader@example.org is subscribed" in no_js_page.content()
    back = no_js_page.get_by_role("link", name="Back to the site")
    assert back.get_attribute("href") == subscribe_site.url + "/"
    assert "plain-reader@example.org" in subscribe_site.receiver.store.all()


def test_people_never_see_or_focus_the_honeypot(subscribe_site, page):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(subscribe_site.url + ARTICLE)
    traps = page.locator(".hp-field input")
    assert traps.count() >= 2
    for i in range(traps.count()):
        box = traps.nth(i).bounding_box()
        assert box is None or box["x"] + box["width"] <= 0, "off-screen"
    # Tab through the whole page: focus never lands on a trap.
    focused = set()
    for _ in range(120):
        page.keyboard.press("Tab")
        focused.add(page.evaluate("document.activeElement.name || document.activeElement.id"))
    assert "website" not in focused
    assert "email" in focused  # the real fields were reached
    before = set(subscribe_site.receiver.store.all())
    assert all(traps.nth(i).input_value() == "" for i in range(traps.count()))
    assert set(subscribe_site.receiver.store.all()) == before


@pytest.fixture(scope="module")
def generic_site_without_cors(tmp_path_factory):
    """Provider `generic` whose endpoint answers no CORS for this site (the
    receiver is told another site's origin)."""
    tmp = tmp_path_factory.mktemp("generic")
    server = Receiver(port=0, db=tmp / "subscribers.sqlite3", site_url="https://elsewhere.example/", quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    build = serve_production_site(tmp, env={"SUBSCRIBE_PROVIDER": "generic", "SUBSCRIBE_ACTION": server.url})
    build.receiver = server
    yield build
    build.server.stop()
    server.shutdown()
    server.server_close()


def test_generic_endpoint_without_cors_gets_one_normal_post(generic_site_without_cors, page):
    site = generic_site_without_cors
    page.goto(site.url + ARTICLE)
    form = page.locator("form[data-subscribe]").first
    assert form.get_attribute("data-ajax") is not None
    form.get_by_label("Your email address").fill("generic-reader@example.org")
    with page.expect_navigation():
        form.get_by_role("button", name="Subscribe").click()
    assert page.url == site.receiver.url, "the provider's own page is shown"
    assert "generic-reader@example.org is subscribed" in page.content()
    # The refused preflight sent nothing: the address arrived once, by the form.
    assert site.receiver.store.all() == ["generic-reader@example.org"]


def test_invoke_serve_runs_the_receiver_and_stops_it(tmp_path):
    """local_servers.subscribe_receiver, which `invoke serve`, `livereload` and `preview`
    wrap around their server: the receiver listens on the port it is given,
    accepts the served site's origin, and is gone when the server stops."""
    from waiting import listening, wait_until

    port = free_port()
    with local_servers.subscribe_receiver(8123, port, tmp_path / "subscribers.sqlite3") as proc:
        wait_until(lambda: listening(port) or proc.poll() is not None, "the receiver to listen")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("OPTIONS", "/subscribe", headers={"Origin": "http://127.0.0.1:8123"})
        status = conn.getresponse().status
        conn.close()
        assert status == 204
    assert proc.poll() is not None, "the receiver stopped with the server"
    assert not listening(port)
