"""Policies that keep readers safe: the Content-Security-Policy holds on every
page in real Chromium, and links to other sites cannot reach back."""

from urllib.parse import urlsplit

from conftest import PROD_SITEURL

# Records every CSP violation; init scripts run before the page's own, outside its CSP.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def html_pages(site):
    return sorted(p.relative_to(site.output).as_posix() for p in site.output.rglob("*.html"))


def test_policy_forbids_inline_code_objects_and_other_origins(prod_site):
    meta = prod_site.soup("index.html").find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    policy = dict(d.strip().split(" ", 1) for d in meta["content"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert "'unsafe-inline'" not in meta["content"] and "'unsafe-eval'" not in meta["content"]
    assert "'sha256-" in policy["script-src"]
    # The newsletter provider may receive the form, nothing else.
    assert policy["form-action"] == "'self' https://newsletter.example.net"
    referrer = prod_site.soup("index.html").find("meta", attrs={"name": "referrer"})
    assert referrer["content"] == "strict-origin-when-cross-origin"


def test_no_csp_violation_on_any_page(served_site, page):
    page.add_init_script(RECORD_VIOLATIONS)
    pages = html_pages(served_site)
    assert len(pages) > 25
    for rel in pages:
        url = f"{served_site.url}/{rel.removesuffix('index.html')}"
        page.goto(url, wait_until="load")
        assert page.evaluate("window.__cspViolations") == [], url
    assert not [e for e in page.errors if "Content Security Policy" in e]


def test_links_to_other_sites_have_noopener(prod_site):
    site_host = urlsplit(PROD_SITEURL).netloc
    checked = 0
    for rel in html_pages(prod_site):
        for a in prod_site.soup(rel).find_all("a", href=True):
            url = urlsplit(a["href"])
            if url.scheme in ("http", "https") and url.netloc != site_host:
                assert "noopener" in a.get("rel", []), (rel, a)
                checked += 1
    assert checked > 0
