"""The one reading of a source: header, pictures, internal links and FILL-IN markers, each with its line."""

import pytest

from extramile.sources import SourceError, decode, scan


def test_the_header_keeps_each_keys_line_joins_repeats_and_continuations():
    found = scan("Title: A title\nTags: one\ntags: two\nSummary: first\n    second\n\nThe text.\n")
    assert found.meta == {"title": "A title", "tags": "one, two", "summary": "first second"}
    assert found.lines == {"title": 1, "tags": 2, "summary": 4}
    assert found.body_start == 7


def test_the_body_starts_at_the_first_line_that_is_not_metadata():
    assert scan("Title: T\nNot: meta\nplain text\n").body_start == 3
    assert scan("Title: T").body_start == 2


def test_pictures_with_lines_title_and_cover_and_none_in_code():
    text = ("Title: T\nCover: images/c.jpg\nCover_alt: A cover\n\n![An owl](images/owl.jpg \"Night\")\n\n"
            "```\n![not](code.jpg)\n```\n\n`![not](inline.jpg)` and ![](images/rule.png){: .decorative }\n"
            '<img src="images/raw.jpg" title="Raw">\n')
    assert [(p.line, p.src, p.alt, p.title, p.decorative, p.cover) for p in scan(text).pictures] == [
        (5, "images/owl.jpg", "An owl", "Night", False, False),
        (11, "images/rule.png", "", "", True, False),
        (12, "images/raw.jpg", "", "Raw", False, False),
        (2, "images/c.jpg", "A cover", "", False, True),
    ]


def test_reference_style_pictures_are_found_on_the_line_that_shows_them():
    text = ("Title: T\n\nA ![An owl][owl] and ![Rule][]{: .decorative } and ![Hen].\n\n"
            "Not a picture: ![no definition][nowhere], nor [owl] alone.\n\n"
            "[OWL]: images/owl.jpg \"Night\"\n  [rule]: <images/rule.png>\n[hen]: {static}/images/hen.jpg\n")
    assert [(p.line, p.src, p.alt, p.title, p.decorative) for p in scan(text).pictures] == [
        (3, "images/owl.jpg", "An owl", "Night", False),
        (3, "<images/rule.png>", "Rule", "", True),
        (3, "{static}/images/hen.jpg", "Hen", "", False),
    ]
    assert [(p.line, p.alt) for p in scan("Title: T\n\n![][owl]\n\n[owl]: images/owl.jpg\n").pictures] == [(3, "")]


def test_a_marked_cover_is_a_marker_not_a_picture():
    found = scan("Title: T\nCover: FILL-IN\nAuthor: FILL-IN\n\nText.\n\nFILL-IN the rest.\n")
    assert found.pictures == []
    assert found.markers == [(2, "cover"), (3, "author"), (7, "")]


def test_internal_links_anywhere_with_their_lines():
    found = scan("Title: T\n\nSee [this]({filename}other.md) and ![x]({static}/images/a.jpg).\n"
                 "[def]: {attach}files/f.pdf#part\n")
    assert found.links == [(3, "{filename}other.md", "other.md"), (3, "{static}/images/a.jpg", "/images/a.jpg"),
                           (4, "{attach}files/f.pdf", "files/f.pdf")]


def test_a_source_without_pictures_links_or_markers_has_none():
    found = scan("Title: T\n\nAn exclamation! [a link](b.html) and <i>image</i>.")
    assert (found.pictures, found.links, found.markers) == ([], [], [])


@pytest.mark.parametrize(("raw", "line", "words"), [
    (b"Title: T\n\ncaf\xe9", 3, "not UTF-8 (byte 0xe9)"),
    (b"Title: T\n\nbell \x07", 3, "control character U+0007"),
])
def test_decode_says_which_line_cannot_be_text(raw, line, words):
    with pytest.raises(SourceError) as caught:
        decode(raw)
    assert caught.value.line == line and words in caught.value.message


def test_decode_drops_the_bom_and_makes_newlines_plain():
    assert decode("\ufeffTitle: T\r\n\r\nText\r".encode()) == "Title: T\n\nText\n"
