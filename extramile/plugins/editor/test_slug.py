"""slug.js makes the slug Pelican makes (extramile/slugs.py) from the same titles."""

import json
import subprocess
from pathlib import Path

import pytest
from pelican.settings import DEFAULT_CONFIG

from extramile import ROOT, testing
from extramile.slugs import browser_rule, slug_of_title
from extramile.sources import scan

SLUG_JS = Path(__file__).with_name("slug.js")
TITLES = [
    "Notes from a test post", "  Spaces   around\tand inside  ", "Don’t panic: a café’s “best” crêpes — really?",
    "Ärger über Straße, Œuvre & Ægir", "Señor Ñandú's piñata (50% off!)", "Ελληνικά και Кириллица",
    "<em>Tagged</em> title &amp; entities &#233; &#x41;", "Fish 🐟 and chips 🎉", "C++ / C# → .NET…",
    "ﬁne ligatures ① and ＦＵＬＬwidth", "under_score and dash-es -- twice", "",
    "<!-- a comment --> after", "½ price, 2×3, 10°C, €5, £3, ¥7", "Déjà vu, naïve, façade, Ångström, Øresund",
]


def run_node(titles, rule):
    node = testing.node()
    script = (f"const s = require({json.dumps(str(SLUG_JS))});"
              "const [titles, rule] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "process.stdout.write(JSON.stringify(titles.map(t => s.slugify(t, rule))))")
    run = subprocess.run([node, "-e", script], input=json.dumps([titles, rule]), capture_output=True,
                         text=True, timeout=60, check=True)
    return json.loads(run.stdout)


def seed_titles():
    return [scan(path.read_text(encoding="utf-8")).meta["title"] for path in sorted((ROOT / "content").rglob("*.md"))
            if "title" in scan(path.read_text(encoding="utf-8")).meta]


@pytest.mark.parametrize("settings", [
    {},  # Pelican's defaults, as pelicanconf.py leaves them
    {"SLUG_REGEX_SUBSTITUTIONS": [(r"[^\w\s-]", ""), (r"(?P<word>and)", r"\g<word>-"), (r"(\d)", r"n\1"),
                                  (r"[-\s]+", "_")], "SLUGIFY_PRESERVE_CASE": True},
])
def test_the_editor_makes_the_slug_new_post_makes(settings):
    settings = {**DEFAULT_CONFIG, **settings}
    titles = TITLES + seed_titles()
    made = run_node(titles, browser_rule(settings))
    assert [m["unknown"] for m in made] == [[] for _ in titles]
    assert [m["slug"] for m in made] == [slug_of_title(title, settings) for title in titles]


def test_a_title_the_table_cannot_transliterate_is_reported_not_guessed():
    (made,) = run_node(["東京 notes"], browser_rule(DEFAULT_CONFIG))
    assert made["unknown"] == ["東", "京"]
    (made,) = run_node(["Café"], browser_rule({**DEFAULT_CONFIG, "SLUGIFY_USE_UNICODE": True}))
    assert made["unknown"] == ["é"]  # JavaScript's \w is ASCII only: refused, not guessed
