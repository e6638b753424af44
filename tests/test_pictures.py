"""Pictures in posts (plugins/pictures): what readers, feeds and authors get,
on real builds of fixture posts with generated pictures."""

import io
import json
import re

import pytest
from browser import StaticServer
from PIL import Image, ImageDraw
from support import build, cache_override, make_content, post, run_pelican

GPS = {1: "N", 2: (52.0, 22.0, 1.5), 3: "E", 4: (13.0, 24.0, 2.5)}


def photo(width, height, orientation=None, gps=True, quality=85):
    """A photo-like JPEG (gradients and noise), deterministic, with EXIF GPS."""
    image = Image.merge("RGB", (Image.radial_gradient("L").resize((width, height)),
                                Image.linear_gradient("L").resize((width, height)).rotate(90),
                                Image.linear_gradient("L").resize((width, height))))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif.get_ifd(0x8825).update(GPS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def transparent_png(width=900, height=600):
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((width // 9, height // 6, width * 8 // 9, height * 5 // 6), fill=(10, 106, 100, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


BODY = """Some text before the pictures.

![A chart of trust over time](images/chart.png "Trust, in the aisle at 9:10 p.m.")

An inline ![a small receipt]({static}/images/small.jpg) picture and a decorative ![](images/rule.jpg){: .decorative } one.

The same receipt, by reference: ![the receipt again][receipt]

[receipt]: images/small.jpg
"""
COVER = "Cover: images/remedy.jpg\nCover_alt: A night manager hands a customer a remedy\n"


def picture_files():
    return {
        "images/remedy.jpg": photo(4000, 3000, orientation=6),  # stored landscape, shown portrait
        "images/chart.png": transparent_png(),
        "images/small.jpg": photo(300, 200),
        "images/rule.jpg": photo(600, 20, gps=False),
        "posts/pictures.md": post(title="Pictures post", extra=COVER, body=BODY),
        "posts/plain.md": post(title="Plain post", date="2026-11-19 09:00"),
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pictures")
    result = build(tmp, picture_files())
    assert result.returncode == 0, result.log
    return result


ARTICLE = "posts/pictures-post/index.html"


def variant(site, url):
    return Image.open(site.path(url.replace("../../", "")))


def test_every_picture_is_a_picture_element_with_modern_sources(site):
    soup = site.soup(ARTICLE)
    pictures = soup.select("main picture")
    assert len(pictures) == 5  # cover, figure, inline, decorative, reference-style
    for element in pictures:
        assert [s["type"] for s in element.find_all("source")] in (["image/avif", "image/webp"],)
        img = element.find("img")
        assert img["width"].isdigit() and img["height"].isdigit()
        assert img["sizes"] == "(min-width: 38rem) 36rem, calc(100vw - 2rem)"
        for source in element.find_all("source"):
            assert source["sizes"] == img["sizes"]
    cover, figure, inline, decorative, by_reference = pictures
    # The cover is the page's LCP: fetched first, never lazy; the others lazy.
    assert cover.find("img")["fetchpriority"] == "high" and not cover.find("img").has_attr("loading")
    assert all(p.find("img")["loading"] == "lazy" for p in (figure, inline, decorative, by_reference))
    assert by_reference.find("img")["alt"] == "the receipt again"
    assert by_reference.find("img")["srcset"] == inline.find("img")["srcset"]
    assert cover.find("img")["alt"] == "A night manager hands a customer a remedy"
    assert decorative.find("img")["alt"] == ""


def test_a_titled_lone_picture_is_a_captioned_figure_inline_stays_inline(site):
    soup = site.soup(ARTICLE)
    figure = soup.select_one(".prose figure")
    assert figure.find("figcaption").get_text() == "Trust, in the aisle at 9:10 p.m."
    assert figure.find("img")["alt"] == "A chart of trust over time"
    assert not figure.find("img").has_attr("title")
    inline = soup.find("img", alt="a small receipt")
    assert inline.find_parent("p") is not None and inline.find_parent("figure") is None


def test_widths_never_upscaled_and_formats_match(site):
    soup = site.soup(ARTICLE)
    widths = {}
    for img in soup.select("main picture img"):
        for candidate in img["srcset"].split(", "):
            url, w = candidate.split(" ")
            widths.setdefault(img["alt"], []).append(int(w[:-1]))
            image = variant(site, url)
            assert image.width == int(w[:-1])
    assert widths["A night manager hands a customer a remedy"] == [480, 800, 1200, 1600]
    assert widths["A chart of trust over time"] == [480, 800, 900]  # its own 900 px, not 1200
    assert widths["a small receipt"] == [300]  # narrower than the smallest width
    formats = {}
    for element in soup.select("main picture"):
        for tag in [*element.find_all("source"), element.find("img")]:
            for candidate in tag["srcset"].split(", "):
                formats.setdefault(tag.get("type", "fallback"), set()).add(
                    (element.find("img")["alt"], variant(site, candidate.split(" ")[0]).format))
    assert {f for _, f in formats["image/avif"]} == {"AVIF"}
    assert {f for _, f in formats["image/webp"]} == {"WEBP"}
    fallback = dict(formats["fallback"])
    assert fallback["A chart of trust over time"] == "PNG"  # transparency kept
    assert fallback["A night manager hands a customer a remedy"] == "JPEG"
    chart = variant(site, soup.find("img", alt="A chart of trust over time")["src"])
    assert chart.mode == "RGBA" and chart.getextrema()[3][0] == 0


def test_orientation_applied_and_no_metadata_published(site):
    soup = site.soup(ARTICLE)
    cover = soup.select_one(".cover img")
    assert (int(cover["width"]), int(cover["height"])) == (3000, 4000)  # upright portrait
    files = list(site.path("pictures").iterdir())
    assert len(files) > 30
    for path in files:
        image = Image.open(path)
        assert not image.getexif(), f"{path.name} carries EXIF"
        assert "exif" not in image.info and "xmp" not in image.info and "XML:com.adobe.xmp" not in image.info
        assert b"Exif\x00" not in path.read_bytes()
    assert Image.open(site.path(cover["src"].replace("../../", ""))).height > Image.open(
        site.path(cover["src"].replace("../../", ""))).width


def test_originals_are_not_published(site):
    # (The PNG is left out: re-encoded with Pillow's defaults, a metadata-free
    # PNG of its own width gives the same bytes as the fixture itself.)
    originals = {data for name, data in picture_files().items() if name.endswith(".jpg")}
    assert not site.path("images").exists()
    published = {p.read_bytes() for p in site.output.rglob("*") if p.is_file()}
    assert not originals & published


def test_cover_is_the_social_image_and_on_the_card(site):
    soup = site.soup(ARTICLE)
    og = soup.find("meta", property="og:image")["content"]
    assert re.search(r"/pictures/remedy-social\.[0-9a-f]{10}\.jpg$", og)
    assert soup.find("meta", property="og:image:type")["content"] == "image/jpeg"
    assert soup.find("meta", attrs={"name": "twitter:image"})["content"] == og
    social = Image.open(site.path(og.split("/", 3)[3]))
    assert social.size == (1200, 630) and social.format == "JPEG" and not social.getexif()
    posting = next(j for j in site.jsonld(ARTICLE) if j.get("@type") == "BlogPosting")
    assert posting["image"]["url"] == og
    # Without a cover the generated card stays the fallback.
    plain = site.soup("posts/plain-post/index.html").find("meta", property="og:image")["content"]
    assert "/social/" in plain and plain.endswith(".png")
    card = site.soup("index.html").select_one(".post-card__cover picture img")
    assert card["sizes"] == "6rem" and card["loading"] == "lazy"
    assert card["alt"] == "A night manager hands a customer a remedy"


def test_feeds_carry_plain_images_and_the_cover(site):
    atom = site.text("feeds/all.atom.xml")
    assert "&lt;picture" not in atom and "@pictures@" not in atom
    assert re.search(r'&lt;img src="http://127\.0\.0\.1:8000/pictures/chart-800\.[0-9a-f]{10}\.png" '
                     r'width="800" height="533" alt="A chart of trust over time"&gt;', atom)
    assert re.search(r'<link href="http://127\.0\.0\.1:8000/pictures/remedy-800\.[0-9a-f]{10}\.jpg" '
                     r'length="\d+" rel="enclosure" type="image/jpeg"/>', atom)
    rss = site.text("feeds/all.rss.xml")
    assert "&lt;picture" not in rss and "@pictures@" not in rss
    assert re.search(r'<enclosure length="\d+" type="image/jpeg" url="http://127\.0\.0\.1:8000/pictures/remedy-800\.', rss)
    feed = json.loads(site.text("feeds/all.json"))
    item = next(i for i in feed["items"] if i["title"] == "Pictures post")
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/pictures/remedy-800\.[0-9a-f]{10}\.jpg", item["image"])
    assert "<picture" not in item["content_html"]
    assert 'alt="a small receipt"' in item["content_html"]


def test_builds_are_byte_identical_and_an_edited_picture_is_picked_up(site, tmp_path):
    first = build(tmp_path, picture_files())  # cold, its own cache, like the module's `site`
    assert first.returncode == 0, first.log

    def tree(output):
        return {p.relative_to(output): p.read_bytes() for p in (output / "pictures").iterdir()}

    assert tree(first.output) == tree(site.output)
    before = first.soup(ARTICLE).find("img", alt="A chart of trust over time")
    # Same file name, other pixels: a warm rebuild must not reuse anything of the old one.
    (tmp_path / "content" / "images" / "chart.png").write_bytes(transparent_png(1300, 500))
    again = run_pelican(tmp_path / "output", content=tmp_path / "content", extra=cache_override(tmp_path / "cache"))
    assert again.returncode == 0, again.log
    after = again.soup(ARTICLE).find("img", alt="A chart of trust over time")
    assert (before["width"], before["height"]) == ("900", "600")  # the source's own size
    assert (after["width"], after["height"]) == ("1300", "500")  # 480, 800, 1200 and its own 1300
    assert after["srcset"] != before["srcset"] and re.search(r"-1300\.[0-9a-f]{10}\.png 1300w$", after["srcset"])
    old_key = before["src"].rsplit(".", 2)[1]
    assert not any(old_key in p.name for p in (again.output / "pictures").iterdir())


# A site owner's plugin whose source changes while the build runs (it appends
# to itself as it is imported), as if saved from an editor mid-build.
SELF_EDITING_PLUGIN = """with open(__file__, "a", encoding="utf-8") as f:
    f.write("# changed after the build loaded it\\n")


def register():
    pass
"""


FINGERPRINT = re.compile(rb"\.[0-9a-f]{10}\.(avif|webp|jpg|png|css|js)\b")


def without_fingerprints(output):
    """Every file under `output`, names and bytes, with NAME.KEY10.EXT fingerprints
    blanked (the search index, whose files are named by what they hold, left out)."""
    return {FINGERPRINT.sub(rb".#.\1", str(p.relative_to(output)).encode()): FINGERPRINT.sub(rb".#.\1", p.read_bytes())
            for p in sorted(output.rglob("*")) if p.is_file() and p.relative_to(output).parts[0] != "pagefind"}


def test_code_changed_during_a_build_keeps_no_variant_and_builds_the_same_site(site, tmp_path):
    """The code the build runs is then unknown (buildcache.code_key is None):
    nothing it makes is kept for another build, and the site is the same."""
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "self_editing.py").write_text(SELF_EDITING_PLUGIN, encoding="utf-8")
    (tmp_path / "conf.py").write_text(
        "import os\nfrom pelicanconf import *\n"
        "PLUGIN_PATHS = [os.path.join(os.path.dirname(os.path.abspath(__file__)), 'plugins')]\n"
        "PLUGINS = [*PLUGINS, 'self_editing']\n", encoding="utf-8")
    result = build(tmp_path, picture_files(), conf=tmp_path / "conf.py", env={"COLUMNS": "500"})
    assert result.returncode == 0, result.log
    assert "the code changed after this process loaded it; every source is read again" in result.log
    # The variants are named by a key no other build works out (a name is
    # fingerprinted by the code that made its bytes): other names, same site.
    assert not {p.name for p in (result.output / "pictures").iterdir()} & {p.name for p in (site.output / "pictures").iterdir()}
    assert without_fingerprints(result.output) == without_fingerprints(site.output)
    cache = tmp_path / "cache" / "pictures"
    assert (cache / "hashes.pickle").exists() and not [p for p in cache.iterdir() if p.is_dir()]


BAD = {
    "no alt": ("![](images/small.jpg)", "has no alt text"),
    "missing file": ("![A thing](images/nothing.jpg)", "does not exist"),
    "not an image": ("![A thing](images/notes.jpg)", "not a picture Pillow can read"),
    "truncated": ("![A thing](images/cut.jpg)", "damaged or cut short"),
    "too many pixels": ("![A thing](images/huge.jpg)", "PICTURES_MAX_PIXELS"),
    "svg": ("![A thing](images/mark.svg)", "SVG pictures are refused"),
    "remote": ("![A thing](https://example.com/a.jpg)", "must be files in the content folder"),
    "reference, no alt": ("![][small]\n\n[small]: images/small.jpg", "has no alt text"),
    "reference, missing file": ("![A thing][gone]\n\n[gone]: images/nothing.jpg", "does not exist"),
}


def test_bad_pictures_stop_the_build_with_file_line_and_output_untouched(tmp_path):
    """Every case in one production build: all problems are listed at once,
    each with its file and line, before output/ is touched."""
    files = {
        "images/small.jpg": photo(300, 200),
        "images/notes.jpg": b"these are notes, not a picture\n",
        "images/cut.jpg": photo(800, 600, quality=95)[:6000],
        "images/huge.jpg": photo(2600, 2000),  # 5.2 MP, over the 5 MP limit set below
        "images/mark.svg": '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    }
    names = {case: f"bad-{i}" for i, case in enumerate(sorted(BAD))}
    for case, name in names.items():
        files[f"posts/{name}.md"] = post(title=f"Bad {case}", date=f"2026-11-{10 + len(files)} 09:00",
                                         body=f"Line one.\n\n{BAD[case][0]}\n")
    output = tmp_path / "output"
    output.mkdir()
    (output / "keep.html").write_text("the site as it was")
    result = build(tmp_path, files, conf="publishconf.py",
                   env={"SITEURL": "https://example.org", "SUBSCRIBE_PROVIDER": "generic",
                        "SUBSCRIBE_ACTION": "https://newsletter.example.net/subscribe"},
                   settings={"PICTURES_MAX_PIXELS": 5_000_000})
    assert result.returncode == 1
    assert "Traceback" not in result.log
    for case, name in names.items():
        # post() writes 6 header lines (Summary last), a blank line, "Line one.", a blank line: the picture is line 10.
        assert re.search(rf"content/posts/{name}\.md:10: .*{re.escape(BAD[case][1])}", result.log), (case, result.log)
    assert [p.name for p in output.iterdir()] == ["keep.html"]


def test_a_missing_cover_or_cover_alt_stops_the_build(tmp_path):
    files = {"images/small.jpg": photo(300, 200),
             "posts/a.md": post(title="A", extra="Cover: images/gone.jpg\nCover_alt: Gone\n"),
             "posts/b.md": post(title="B", date="2026-11-19 09:00", extra="Cover: images/small.jpg\n")}
    result = build(tmp_path, files)
    assert result.returncode == 1 and "Traceback" not in result.log
    assert re.search(r"content/posts/a\.md:6: the cover \(images/gone\.jpg\): .*does not exist", result.log), result.log
    assert re.search(r"content/posts/b\.md:6: the cover has no text alternative", result.log), result.log


# -- In Chromium ---------------------------------------------------------------
@pytest.fixture(scope="module")
def served_pictures(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("served-pictures")
    root = tmp / "www"
    server = StaticServer(root)
    make_content(tmp, picture_files())
    result = run_pelican(root, conf="publishconf.py", content=tmp / "content",
                         env={"SITEURL": server.origin, "SUBSCRIBE_PROVIDER": "local",
                              "SUBSCRIBE_ACTION": "http://127.0.0.1:9/subscribe"},
                         extra=cache_override(tmp / "cache"))
    assert result.returncode == 0, result.log
    result.url = server.origin
    server.start()
    yield result
    server.stop()


@pytest.fixture
def browser(browser_without_profile):
    return browser_without_profile  # each test opens its own context (device scale, empty cache)


BOXES = """[...document.querySelectorAll('.cover img, .prose img')].map(i => ({
    ...i.getBoundingClientRect().toJSON(), ratio: i.getAttribute('height') / i.getAttribute('width')}))"""
# Layout shifts whose moved elements include a picture or anything after one in the text.
PICTURE_SHIFTS = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => { for (const e of list.getEntries())
    if (e.sources.some(s => s.node && s.node.closest && s.node.closest('.cover, .prose'))) total += e.value; })
    .observe({type: 'layout-shift', buffered: true});
  setTimeout(() => resolve(total), 500);
})"""


@pytest.mark.parametrize(("width", "dpr", "cover_width", "figure_width"), [(375, 3, 1200, 900), (1280, 1, 800, 800)])
def test_chromium_picks_no_larger_variant_than_needed_and_nothing_moves(served_pictures, browser, width, dpr,
                                                                        cover_width, figure_width):
    context = browser.new_context(viewport={"width": width, "height": 800}, device_scale_factor=dpr)
    tab = context.new_page()
    tab.goto(served_pictures.url + "/posts/pictures-post/", wait_until="load")
    tab.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    tab.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    chosen = tab.evaluate("""[...document.querySelectorAll('main picture img')].map(i => ({
        alt: i.alt, src: i.currentSrc, shown: i.getBoundingClientRect().width}))""")
    by_alt = {c["alt"]: c for c in chosen}
    cover = by_alt["A night manager hands a customer a remedy"]
    figure = by_alt["A chart of trust over time"]
    assert re.search(rf"-{cover_width}\.[0-9a-f]{{10}}\.avif$", cover["src"]), cover
    assert re.search(rf"-{figure_width}\.[0-9a-f]{{10}}\.avif$", figure["src"]), figure
    for item in (cover, figure):
        needed = item["shown"] * dpr
        used = int(re.search(r"-(\d+)\.[0-9a-f]{10}\.avif$", item["src"]).group(1))
        smaller = [w for w in (480, 800, 1200, 1600, 900) if needed <= w < used]
        assert not smaller, f"{item['src']} for {needed:.0f} device pixels; {smaller} would do"
    # Before its bytes arrive a picture's box comes from its width/height
    # attributes (Chromium maps them to aspect-ratio); loaded, it keeps that box.
    for box in tab.evaluate(BOXES):
        assert abs(box["height"] - box["width"] * box["ratio"]) < 0.5, box
    assert tab.evaluate(PICTURE_SHIFTS) == 0
    context.close()


# -- The production build behind nginx ---------------------------------------------
def test_production_build_served_by_nginx(tmp_path):
    """What readers fetch from the real server: every picture of the page
    (srcset included) with its type and the year-long cache of fingerprinted
    files, the social image, nothing broken, the originals not there."""
    from bs4 import BeautifulSoup

    from extramile.tools.checkers import MissingTool
    from extramile.tools.serving import Nginx, crawl, fetch, free_port

    tmp_path.chmod(0o755)  # nginx workers run as an unprivileged user
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    make_content(tmp_path, picture_files())
    www = tmp_path / "www"
    result = run_pelican(www, conf="publishconf.py", content=tmp_path / "content",
                         env={"SITEURL": url, "SUBSCRIBE_PROVIDER": "generic",
                              "SUBSCRIBE_ACTION": "https://newsletter.example.net/subscribe"},
                         extra=cache_override(tmp_path / "cache"))
    assert result.returncode == 0, result.log
    try:
        nginx = Nginx(tmp_path, www, "", www, port)
    except MissingTool as missing:
        pytest.fail(str(missing), pytrace=False)
    try:
        status, _, body = fetch(f"{url}/posts/pictures-post/")
        soup = BeautifulSoup(body, "lxml")
        urls = {c.split(" ")[0] for tag in soup.select("main picture source, main picture img")
                for c in tag["srcset"].split(", ")}
        urls.add(soup.find("meta", property="og:image")["content"])
        assert len(urls) > 20
        types = {"avif": "image/avif", "webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}
        for address in sorted(urls):
            status, headers, data = fetch(address)
            assert status == 200, address
            assert headers["Content-Type"] == types[address.rsplit(".", 1)[1]], address
            assert "immutable" in headers.get("Cache-Control", ""), address
            assert not Image.open(io.BytesIO(data)).getexif(), address
        assert fetch(f"{url}/images/remedy.jpg")[0] == 404
        fetched, broken, external = crawl(url)
        # (The fixture site has no About or Subscribe page for the menu to reach.)
        assert [b for b in broken if "/pictures/" in b or "/images/" in b] == [] and fetched > 40
    finally:
        nginx.stop()
