"""Property: a post with random metadata and markdown (unicode, empty and huge
fields, odd dates, control characters, CRLF, a BOM) either builds into valid,
escaped output or stops with the validation message: never a traceback, never
a half-written output folder."""

import json

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree
from support import build

# Characters that break naive templates, XML and YAML-ish headers.
NASTY = list("<>\"'&{}[]%#:/\\ \t\u00a0\u200b\u2028\x00\x07\x1b\x7f\ufeff") + ["]]>", "</script>", "{{", "-->"]
text = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(NASTY) | st.text(max_size=3), max_size=12).map("".join),
)
huge = st.integers(min_value=2_000, max_value=20_000).map(lambda n: "x" * n)
dates = st.one_of(
    st.dates(min_value=__import__("datetime").date(1970, 1, 1),
             max_value=__import__("datetime").date(2026, 11, 1)).map(str),
    st.sampled_from(["", "2026-02-30", "99999-01-01", "yesterday", "2026-11-20 25:61", "0000-00-00"]),
    text,
)


def mostly(good, bad):
    """Draw from `good` about four times in five, so most builds get through
    validation and their output is checked too."""
    return st.sampled_from([good] * 4 + [bad]).flatmap(lambda strategy: strategy)


valid_text = st.text(min_size=1, max_size=60).filter(lambda s: s.strip() and "\n" not in s and "\r" not in s)


@st.composite
def posts(draw):
    fields = {
        "Title": draw(mostly(valid_text, st.one_of(text, huge))),
        "Date": draw(mostly(dates.filter(lambda d: d[:4].isdigit() and d[4:5] == "-" and len(d) == 10), dates)),
        "Author": draw(mostly(st.sampled_from(["The Editors", "Ron Kaufman"]), st.sampled_from(["", "Nobody <b>"]))),
        "Category": draw(mostly(valid_text, text)),
        "Tags": ", ".join(draw(mostly(st.lists(valid_text.filter(lambda t: "," not in t), min_size=1, max_size=4),
                                      st.lists(text, max_size=4)))),
        "Summary": draw(mostly(valid_text, st.one_of(text, huge))),
    }
    dropped = draw(st.sets(st.sampled_from(sorted(fields)), max_size=1)) if draw(st.booleans()) else set()
    header = "".join(f"{k}: {v}\n" for k, v in fields.items() if k not in dropped)
    body = draw(st.text(max_size=300))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return bom + (header + "\n" + body + "\n").replace("\n", newline)


@settings(max_examples=int(__import__("os").environ.get("HYPOTHESIS_EXAMPLES", "25")), deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(source=posts())
def test_random_post_builds_or_fails_cleanly(tmp_path_factory, source):
    tmp = tmp_path_factory.mktemp("random")
    site = build(tmp, {"posts/random.md": source.encode("utf-8", "surrogatepass")})
    assert "Traceback" not in site.log, site.log
    assert site.returncode in (0, 1), site.log
    event(f"exit status {site.returncode}")
    if site.returncode == 1:
        assert "Build stopped:" in site.log, site.log
        assert not site.output.exists() or not any(site.output.iterdir()), "half-written output"
        return
    for page in site.output.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "\x00" not in html
        for block in html.split('<script type="application/ld+json">')[1:]:
            json.loads(block.split("</script>", 1)[0])
    for feed in site.output.glob("feeds/**/*.xml"):
        etree.fromstring(feed.read_bytes())
