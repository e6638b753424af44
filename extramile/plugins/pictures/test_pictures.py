"""Fast in-process checks of the pictures plugin's parts (no Pelican build)."""

import io

import pytest
from PIL import Image

from extramile.plugins.pictures import markup
from extramile.plugins.pictures.pictures import may_have_pictures, resolve
from extramile.plugins.pictures.processing import PictureError, Record, make_variants, variant_widths

SPEC = {"widths": [480, 800, 1200, 1600], "formats": ["avif", "webp"], "quality": {"avif": 60, "webp": 75, "jpeg": 75},
        "avif_speed": 9, "webp_method": 2, "max_pixels": 50_000_000, "social": [1200, 630]}


def test_widths_are_never_upscaled():
    assert variant_widths(4000, [480, 800, 1200, 1600]) == [480, 800, 1200, 1600]
    assert variant_widths(1600, [480, 800, 1200, 1600]) == [480, 800, 1200, 1600]
    assert variant_widths(900, [480, 800, 1200, 1600]) == [480, 800, 900]
    assert variant_widths(300, [480, 800, 1200, 1600]) == [300]


def test_a_lone_titled_picture_becomes_a_figure_only():
    lone = '<p><img alt="A" src="a.jpg" title="Cap &amp; tion"></p>'
    assert markup.figures(lone) == '<figure><img alt="A" src="a.jpg" title="Cap &amp; tion"><figcaption>Cap &amp; tion</figcaption></figure>'
    untitled = '<p><img alt="A" src="a.jpg"></p>'
    inline = '<p>Text <img alt="A" src="a.jpg" title="T"> more</p>'
    assert markup.figures(untitled) == untitled and markup.figures(inline) == inline


def test_only_a_source_without_any_picture_marker_skips_the_scan():
    for text in ("![a](b.jpg)", "x <IMG src=b.jpg>", "Title: T\n  COVER: b.jpg", "![a][ref]"):
        assert may_have_pictures(text), text
    assert not may_have_pictures("Title: T\n\nAn exclamation! [a link](b.html) and <i>image</i>.")


def test_resolve_refuses_remote_and_outside(tmp_path):
    (tmp_path / "content" / "images").mkdir(parents=True)
    (tmp_path / "content" / "images" / "a.jpg").write_bytes(b"x")
    post = str(tmp_path / "content" / "posts" / "p.md")
    root = str(tmp_path / "content")
    assert resolve("{static}/images/a.jpg", post, root).endswith("content/images/a.jpg")
    assert resolve("images/a.jpg", post, root).endswith("content/images/a.jpg")
    with pytest.raises(PictureError, match="content folder"):
        resolve("https://example.com/a.jpg", post, root)
    with pytest.raises(PictureError, match="outside the content folder"):
        resolve("../../../etc/passwd", post, root)


def exif_photo(path, size=(1000, 750)):
    exif = Image.Exif()
    exif[0x0112] = 8
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 22.0, 1.5)})
    Image.linear_gradient("L").resize(size).convert("RGB").save(path, "JPEG", exif=exif,
                                                                xmp=b"<x:xmpmeta>secret</x:xmpmeta>")


def test_variants_are_upright_metadata_free_and_identical_twice(tmp_path):
    source = tmp_path / "p.jpg"
    exif_photo(source)
    meta = make_variants(str(source), str(tmp_path / "a"), SPEC)
    again = make_variants(str(source), str(tmp_path / "b"), SPEC)
    assert meta == again and (meta["width"], meta["height"]) == (750, 1000)  # orientation 8 applied
    assert meta["widths"] == [480, 750] and meta["formats"] == ["avif", "webp", "jpeg"]
    for name in sorted(p.name for p in (tmp_path / "a").iterdir()):
        data = (tmp_path / "a" / name).read_bytes()
        assert data == (tmp_path / "b" / name).read_bytes(), name
        if name.endswith(".json"):
            continue
        image = Image.open(io.BytesIO(data))
        assert not image.getexif() and b"secret" not in data and b"Exif\x00" not in data, name
    assert Image.open(tmp_path / "a" / "social.jpg").size == (1200, 630)


def test_bomb_guard_and_damaged_files(tmp_path):
    big = tmp_path / "big.png"
    Image.new("L", (3000, 2000)).save(big)
    with pytest.raises(PictureError, match="PICTURES_MAX_PIXELS"):
        make_variants(str(big), str(tmp_path / "x"), {**SPEC, "max_pixels": 1_000_000})
    cut = tmp_path / "cut.jpg"
    exif_photo(cut)
    cut.write_bytes(cut.read_bytes()[:3000])
    with pytest.raises(PictureError, match="damaged or cut short"):
        make_variants(str(cut), str(tmp_path / "y"), SPEC)
    svg = tmp_path / "a.svg"
    svg.write_text("<svg/>")
    with pytest.raises(PictureError, match="SVG"):
        make_variants(str(svg), str(tmp_path / "z"), SPEC)


def test_feed_markup_is_one_plain_img_with_absolute_url():
    record = Record("s", "a" * 64, "pictures/owl", width=1600, height=1200, widths=[480, 800, 1600],
                    formats=["avif", "webp", "jpeg"], fallback="jpeg")
    html = markup.picture(record, 'An "owl"', "100vw")
    feed = markup.for_feed(f"<p>{html}</p>", "https://example.org/blog")
    assert feed == ('<p><img src="https://example.org/blog/pictures/owl-800.aaaaaaaaaa.jpg" width="800" height="600" '
                    'alt="An &quot;owl&quot;"></p>')
    assert markup.on_page(html, "../..").count("../../pictures/owl-") == 10


def test_cache_folders_unused_for_the_max_age_go_used_ones_are_stamped(tmp_path):
    import os

    from extramile.plugins.pictures.processing import prune_cache

    day = 86400
    now = 1_800_000_000
    for key, age_days in {"used": 90, "recent": 3, "old": 31}.items():
        (tmp_path / key).mkdir()
        (tmp_path / key / "meta.json").write_text("{}")
        os.utime(tmp_path / key, (now - age_days * day, now - age_days * day))
    (tmp_path / "hashes.pickle").write_bytes(b"")
    assert prune_cache(str(tmp_path), {"used"}, 30, now=now) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hashes.pickle", "recent", "used"]
    assert (tmp_path / "used").stat().st_mtime == now


def test_pelican_still_makes_content_from_the_html_we_rewrite():
    # PicturesGenerator.rewrite replaces content._content, Pelican's stored HTML.
    from pelican.contents import Page
    from pelican.settings import DEFAULT_CONFIG

    page = Page("<p>before</p>", metadata={"title": "T"}, settings=DEFAULT_CONFIG)
    assert page._content == "<p>before</p>"
    page._content = "<p>after</p>"
    assert page.content == "<p>after</p>"
