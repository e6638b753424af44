"""Every feed conforms: the W3C Feed Validation Service's checks that apply to
our Atom and RSS feeds, and the JSON Feed 1.1 rules, on every feed of the
production site (the real posts, and fixture posts: a series, an updated
post, a post without a Slug: line).

The validator (github.com/w3c/feedvalidator) is not on PyPI, and its code is
not ours to copy: these tests restate its rules, each named after the event
it logs (src/feedvalidator/logging.py; an Error or a Warning there fails
here). HTML in content is parsed as it parses it: html5lib, strict."""

import json
import re
import shutil
from datetime import datetime
from email.utils import parsedate_tz
from urllib.parse import urlsplit

import html5lib
import pytest
from lxml import etree
from support import PROD_SITEURL, ROOT, cache_override, post, run_pelican

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
# validators.py: rfc3339 and rfc822.rfc2822_re.
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
RFC2822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d? (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                     r"\d{4} \d\d:\d\d(:\d\d)? ([+-]?\d\d[03]0|UT|GMT|Z)$")
# validators.py: HTMLValidator.acceptable_elements (the rest is SecurityRisk).
ACCEPTABLE = set("""a abbr acronym address area article aside audio b bdi big blockquote br button canvas
caption center cite code col colgroup command data datagrid datalist dd del details dfn dialog dir div dl dt
em eventsource fieldset figcaption figure footer font form header h1 h2 h3 h4 h5 h6 hgroup hr i img input ins
keygen kbd label legend li m main map mark menu meter multicol nav nextid ol output optgroup option p picture
pre progress q rp rt ruby s samp section select small sound source spacer span strike strong sub summary sup
table tbody td template textarea time tfoot th thead tr track tt u ul var video noscript wbr""".split())  # noqa: SIM905
# absUrlMixin: <a href> and <img src> must be absolute (ContainsRelRef).
REFERENCE = re.compile(r"""<a\s+href=(?:"(.*?)"|'(.*?)'|([\w-]+))[\s>]|<img\s+[^>]*src=(?:"(.*?)"|'(.*?)'|([\w-]+))[\s>]""",
                       re.IGNORECASE)
# nonhtml: a title with an end tag is HTML (ContainsHTML).
END_TAG = re.compile(r"</(\w+)>")

EXTRA_POSTS = {
    "series-one.md": post(title="Series one", date="2026-10-01 09:00", extra="Series: Feeds\nSummary: One.\n"),
    "series-two.md": post(title="Series two", date="2026-10-02 09:00", extra="Series: Feeds\nSummary: Two.\n"),
    "updated.md": post(title="Updated & fixed", date="2026-10-03 09:00",
                       extra="Modified: 2026-10-20 10:00\nSummary: Updated.\n",
                       body="Text with [a relative link](../series-one/) and a [note](#note).\n\n"
                            "## A section\n\n<p id=\"note\">Note.</p>\n"),
}


@pytest.fixture(scope="module")
def feed_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("feedrules")
    content = tmp / "content"
    shutil.copytree(ROOT / "content", content)
    for name, text in EXTRA_POSTS.items():
        (content / "posts" / name).write_text(text, encoding="utf-8")
    site = run_pelican(tmp / "out", conf="publishconf.py", content=content,
                       env={"SITEURL": PROD_SITEURL, "SUBSCRIBE_PROVIDER": "none"},
                       extra=cache_override(tmp / "cache"))
    assert site.returncode == 0, site.log
    return site


def xml_feeds(site):
    return sorted(site.output.glob("feeds/**/*.xml"))


def html_problems(html, where):
    """NotHtml, SecurityRisk, SecurityRiskAttr, DangerousStyleAttr, ContainsRelRef."""
    problems = []
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        fragment = parser.parseFragment(html)
    except html5lib.html5parser.ParseError as err:
        return [f"{where}: NotHtml ({err})"]
    for element in fragment.iter():
        if not isinstance(element.tag, str):
            continue  # comments
        if element.tag not in ACCEPTABLE and element.tag != "DOCUMENT_FRAGMENT":
            problems.append(f"{where}: SecurityRisk <{element.tag}>")
        for name in element.attrib:
            if name.lower().startswith("on") or name.lower() == "style":
                problems.append(f"{where}: SecurityRiskAttr {name} on <{element.tag}>")
    for match in REFERENCE.finditer(html):
        ref = next(g for g in match.groups() if g is not None).strip()
        if not re.match(r"\w+:", ref):
            problems.append(f"{where}: ContainsRelRef {ref!r}")
    return problems


def absolute(url):
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def atom_problems(root, name):
    problems = []
    need = lambda el, tag: el.find(ATOM + tag) is not None  # noqa: E731
    for tag in ("id", "title", "updated"):
        if not need(root, tag):
            problems.append(f"{name}: MissingElement feed/{tag}")
    links = {link.get("rel", "alternate"): link.get("href") for link in root.findall(ATOM + "link")}
    if "self" not in links:
        problems.append(f"{name}: MissingSelf")
    for rel, href in links.items():
        if rel not in ("self", "alternate"):
            problems.append(f"{name}: UnregisteredAtomLinkRel {rel}")
        if not absolute(href):
            problems.append(f"{name}: InvalidFullLink {href}")
    if not RFC3339.match(root.findtext(ATOM + "updated") or ""):
        problems.append(f"{name}: InvalidRFC3339Date feed/updated")
    ids, updated = [], []
    for entry in root.findall(ATOM + "entry"):
        where = f"{name}: entry {entry.findtext(ATOM + 'id')}"
        for tag in ("id", "title", "updated", "link"):
            if not need(entry, tag):
                problems.append(f"{where}: MissingElement {tag}")
        if not need(entry, "author") and not need(root, "author"):
            problems.append(f"{where}: MissingElement author")
        for tag in ("updated", "published"):
            value = entry.findtext(ATOM + tag)
            if value is not None and not RFC3339.match(value):
                problems.append(f"{where}: InvalidRFC3339Date {tag} {value}")
        ids.append(entry.findtext(ATOM + "id"))
        updated.append(entry.findtext(ATOM + "updated"))
        if not re.match(r"^(tag:[^,]+,\d{4}-\d\d-\d\d:|https?://)", ids[-1] or ""):
            problems.append(f"{where}: InvalidFullLink id")
        if END_TAG.search(entry.findtext(ATOM + "title") or ""):
            problems.append(f"{where}: ContainsHTML title")
        for link in entry.findall(ATOM + "link"):
            if not absolute(link.get("href", "")):
                problems.append(f"{where}: InvalidFullLink {link.get('href')}")
        for tag in ("content", "summary"):
            element = entry.find(ATOM + tag)
            if element is None:
                continue
            if element.get("type") != "html":
                problems.append(f"{where}: {tag} type is {element.get('type')!r}, not 'html'")
            problems += html_problems(element.text or "", f"{where} {tag}")
        if not need(entry, "content") and not need(entry, "summary"):
            problems.append(f"{where}: MissingTextualContent")
    if len(set(ids)) != len(ids):
        problems.append(f"{name}: DuplicateEntries")
    if len(set(updated)) != len(updated):
        problems.append(f"{name}: DuplicateUpdated")
    return problems


def rfc2822_problems(value, where):
    if not RFC2822.match(value or ""):
        return [f"{where}: InvalidRFC2822Date {value!r}"]
    parsed = parsedate_tz(value)
    if datetime(*parsed[:3]).strftime("%a") != value[:3]:
        return [f"{where}: IncorrectDOW {value!r}"]
    return []


def rss_problems(root, name):
    problems = []
    if root.tag != "rss" or root.get("version") != "2.0":
        problems.append(f"{name}: InvalidRSSVersion")
    channel = root.find("channel")
    for tag in ("title", "link", "description"):
        if not (channel.findtext(tag) or "").strip():
            problems.append(f"{name}: MissingElement channel/{tag}")
    if not absolute(channel.findtext("link") or ""):
        problems.append(f"{name}: InvalidFullLink channel/link")
    if not [link for link in channel.findall(ATOM + "link") if link.get("rel") == "self"]:
        problems.append(f"{name}: MissingAtomSelfLink")
    if not re.match(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$", channel.findtext("language") or ""):
        problems.append(f"{name}: InvalidLanguage")
    if channel.findtext("lastBuildDate") is not None:
        problems += rfc2822_problems(channel.findtext("lastBuildDate"), f"{name} lastBuildDate")
    guids = []
    for item in channel.findall("item"):
        where = f"{name}: item {item.findtext('link')}"
        children = [child.tag for child in item]
        if item.find("title") is None and item.find("description") is None:
            problems.append(f"{where}: ItemMustContainTitleOrDescription")
        if END_TAG.search(item.findtext("title") or ""):
            problems.append(f"{where}: ContainsHTML title")
        if not absolute(item.findtext("link") or ""):
            problems.append(f"{where}: InvalidFullLink link")
        guid = item.find("guid")
        if guid is None:
            problems.append(f"{where}: MissingGuid")
        else:
            guids.append(guid.text)
            permalink = guid.get("isPermaLink", "true")
            if permalink not in ("true", "false"):
                problems.append(f"{where}: InvalidBooleanAttribute isPermaLink")
            if permalink == "true" and (guid.text.lower().startswith(("tag:", "urn:uuid:")) or not absolute(guid.text)):
                problems.append(f"{where}: InvalidPermalink")
        problems += rfc2822_problems(item.findtext("pubDate"), f"{where} pubDate")
        updated = item.findtext(ATOM + "updated")
        if updated is not None and not RFC3339.match(updated):
            problems.append(f"{where}: InvalidRFC3339Date atom:updated")
        if CONTENT_ENCODED in children and ("description" not in children
                                            or children.index("description") > children.index(CONTENT_ENCODED)):
            problems.append(f"{where}: NeedDescriptionBeforeContent")
        if item.find("author") is not None and "@" not in item.findtext("author"):
            problems.append(f"{where}: EmailFormat author")
        for tag in ("description", CONTENT_ENCODED):
            if item.find(tag) is not None:
                problems += html_problems(item.findtext(tag) or "", f"{where} {tag}")
    if len(set(guids)) != len(guids):
        problems.append(f"{name}: DuplicateValue guid")
    return problems


@pytest.mark.parametrize("site", ["prod_site", "feed_site"])
def test_every_atom_and_rss_feed_has_no_validator_error_or_warning(request, site):
    site = request.getfixturevalue(site)
    problems = []
    assert len(xml_feeds(site)) > 10
    for path in xml_feeds(site):
        root = etree.parse(str(path)).getroot()
        name = path.relative_to(site.output).as_posix()
        problems += atom_problems(root, name) if root.tag == ATOM + "feed" else rss_problems(root, name)
    assert problems == []


def test_the_rules_catch_what_the_validator_catches():
    """The checks fail on the problems they name (each seen failing once)."""
    feed = etree.fromstring(
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>x</id><updated>2026-11-01</updated>'
        b'<entry><title>a</title><id>tag:h,2026-11-01:/a/</id><updated>2026-11-01T00:00:00Z</updated>'
        b'<link href="/a/"/><author><name>n</name></author><content type="html">&lt;p onclick="x"&gt;'
        b'&lt;a href="../b/"&gt;b&lt;/a&gt;&lt;script&gt;&lt;/script&gt;</content></entry></feed>')
    found = " ".join(atom_problems(feed, "f"))
    for event in ("MissingSelf", "InvalidRFC3339Date feed/updated", "InvalidFullLink /a/", "SecurityRiskAttr onclick",
                  "ContainsRelRef '../b/'", "SecurityRisk <script>"):
        assert event in found, event
    rss = etree.fromstring(
        b'<rss version="2.0"><channel><title>t</title><link>https://e.org/</link><description>d</description>'
        b'<language>en</language><item><title>a</title><link>https://e.org/a/</link>'
        b'<guid>tag:e.org,2026-11-01:/a/</guid><pubDate>Sun, 01 Nov 2026 09:00:00 +0000</pubDate>'
        b'<description>&lt;p&gt;unclosed &amp;amp &lt;/b&gt;</description></item></channel></rss>')
    found = " ".join(rss_problems(rss, "r"))
    for event in ("MissingAtomSelfLink", "InvalidPermalink", "NotHtml"):
        assert event in found, event
    assert rfc2822_problems("Mon, 01 Nov 2026 09:00:00 +0000", "d") == ["d: IncorrectDOW 'Mon, 01 Nov 2026 09:00:00 +0000'"]


@pytest.mark.parametrize("site", ["prod_site", "feed_site"])
def test_json_feed_follows_the_1_1_rules(request, site):
    site = request.getfixturevalue(site)
    data = json.loads(site.text("feeds/all.json"))
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(data["title"], str) and data["title"]
    assert absolute(data["home_page_url"]) and absolute(data["feed_url"])
    assert "author" not in data  # 1.0's field; 1.1 has "authors"
    ids = []
    for item in data["items"]:
        assert isinstance(item["id"], str) and item["id"]
        ids.append(item["id"])
        assert item.get("content_html") or item.get("content_text")
        assert absolute(item["url"])
        for key in ("date_published", "date_modified"):
            assert RFC3339.match(item[key]), (key, item[key])
        assert "author" not in item
        assert item["authors"] and all(isinstance(a, dict) and a.get("name") for a in item["authors"])
        assert html_problems(item["content_html"], item["id"]) == []
    assert len(set(ids)) == len(ids)


def entry_ids(site):
    """{feed file: {entry id}} of every Atom feed, RSS feed and the JSON Feed."""
    ids = {}
    for path in xml_feeds(site):
        root = etree.parse(str(path)).getroot()
        found = root.iter(ATOM + "id") if root.tag == ATOM + "feed" else root.iter("guid")
        ids[path.name] = {el.text for el in found if el.getparent().tag != ATOM + "feed"}
    ids["all.json"] = {i["id"] for i in json.loads(site.text("feeds/all.json"))["items"]}
    return ids


def test_entry_ids_stay_when_title_and_text_change(tmp_path):
    """A post without a Slug: line gets a new address when its title changes;
    its entry keeps its id in every feed, so readers never see it twice."""
    builds = []
    for n, (title, body) in enumerate([("Fist title", "Teh text."), ("First title, fixed", "The text, fixed.")]):
        content = tmp_path / f"content{n}"
        (content / "posts").mkdir(parents=True)
        (content / "pages").mkdir()
        (content / "posts" / "my-post.md").write_text(
            post(title=title, extra="Summary: A post.\n", body=body), encoding="utf-8")
        site = run_pelican(tmp_path / f"out{n}", conf="publishconf.py", content=content,
                           env={"SITEURL": PROD_SITEURL, "SUBSCRIBE_PROVIDER": "none"},
                           extra=cache_override(tmp_path / f"cache{n}"))
        assert site.returncode == 0, site.log
        builds.append(site)
    assert builds[0].path("posts/fist-title/index.html").exists()
    assert builds[1].path("posts/first-title-fixed/index.html").exists()
    before, after = entry_ids(builds[0]), entry_ids(builds[1])
    assert before == after
    assert before["all.atom.xml"] == {"tag:example.org,2026-11-20:/blog/posts/my-post/"}
    assert before["all.rss.xml"] == before["all.json"] == before["all.atom.xml"]


def test_real_posts_keep_the_ids_they_had(prod_site):
    """For a file named like its slug, the id is the one Pelican gave from the address."""
    ids = entry_ids(prod_site)["all.atom.xml"]
    assert "tag:example.org,2026-11-09:/blog/posts/in-customers-we-trust/" in ids
