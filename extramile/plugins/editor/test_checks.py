"""checks.js finds the pictures without alt text that plugins/pictures finds."""

import json
import subprocess

from extramile import testing
from extramile.plugins.editor.editor import CHECKS_JS
from extramile.sources import scan

HEADER = "Title: Pictures\n\n"  # the body starts on line 3
BODY = """\
![A shop at night](images/a.jpg)

![](images/b.jpg)

![](images/c.jpg){: .decorative }

![  ](images/d.jpg "A caption")

<img src="images/e.jpg">

<img src="images/f.jpg" alt="" class="decorative">

```
![](images/g.jpg)
```

`![](images/h.jpg)` is how a picture is written.

    ![](images/i.jpg)

![alt with \\] bracket](images/j.jpg) and ![](<images/k k.jpg>) on one line.

<IMG SRC="images/l.jpg" ALT="  ">
"""


def test_the_editor_and_the_build_agree_on_pictures_without_alt_text():
    node = testing.node()
    script = (f"const c = require({json.dumps(str(CHECKS_JS))});"
              "process.stdout.write(JSON.stringify(c.picturesWithoutAlt(require('fs').readFileSync(0, 'utf8'))))")
    run = subprocess.run([node, "-e", script], input=BODY, capture_output=True, text=True, timeout=60, check=True)
    editor = [(p["line"] + 2, p["src"]) for p in json.loads(run.stdout)]
    build = [(use.line, use.src) for use in scan(HEADER + BODY).pictures
             if not use.cover and not use.alt and not use.decorative]
    assert editor == build
    assert [src for _, src in build] == ["images/b.jpg", "images/d.jpg", "images/e.jpg", "images/i.jpg",
                                         "<images/k k.jpg>", "images/l.jpg"]


def test_a_cover_needs_its_cover_alt_before_a_save():
    node = testing.node()
    messages = {"cover": "no cover alt", "picture": "no alt for {src}"}
    entries = [{"cover": "images/a.jpg", "cover_alt": " ", "body": "![](images/b.jpg)\n"},
               {"cover": "images/a.jpg", "cover_alt": "A shop front at night", "body": "Text.\n"},
               {"cover": "", "body": "Text.\n"}]
    script = (f"const c = require({json.dumps(str(CHECKS_JS))});"
              f"process.stdout.write(JSON.stringify({json.dumps(entries)}.map(e => c.problems(e, {json.dumps(messages)}))))")
    run = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(run.stdout) == [["no cover alt", "no alt for images/b.jpg"], [], []]


def run_checks(expression, stdin=""):
    node = testing.node()
    script = (f"const c = require({json.dumps(str(CHECKS_JS))}); const input = require('fs').readFileSync(0, 'utf8');"
              f"Promise.resolve({expression}).then((v) => process.stdout.write(JSON.stringify(v)))")
    run = subprocess.run([node, "-e", script], input=stdin, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(run.stdout)


def test_a_post_needs_one_tag_from_the_list_or_a_new_one():
    messages = {"cover": "no cover alt", "picture": "no alt for {src}", "tags": "missing Tags."}
    entries = [{"tags": [], "new_tags": " , "}, {"tags": [], "new_tags": "night shift"}, {"tags": ["trust"]}]
    assert run_checks(f"{json.dumps(entries)}.map(e => c.problems(e, {json.dumps(messages)}))") == [
        ["missing Tags."], [], []]


def test_a_new_post_takes_its_slug_from_the_title_and_may_not_take_anothers():
    from pelican.settings import DEFAULT_CONFIG

    from extramile.slugs import browser_rule

    site = {"slug": browser_rule(DEFAULT_CONFIG), "taken": {"in-customers-we-trust": "taken by the seed"}}
    titles = [{"title": "In Customers We Trust"}, {"title": "A new one"}, {"title": "?!"},
              {"title": "東京", "slug": "tokyo"}, {"title": "constructor"}]
    made = run_checks(f"{json.dumps(titles)}.map(d => {{ const site = JSON.parse(input); const m = c.newSlug(d, site);"
                      "return [m.slug, [...m.found, ...c.slugProblems(m.slug, site)]]; })", json.dumps(site))
    assert made[:2] == [["in-customers-we-trust", ["taken by the seed"]], ["a-new-one", []]]
    assert made[2][0] == "" and made[2][1][0].startswith("The title gives no web address")
    assert made[3] == ["tokyo", []]  # a Slug: the author wrote is kept
    assert made[4] == ["constructor", []]  # not a property of every object


def test_the_editor_knows_the_picture_formats_the_build_takes(tmp_path):
    from PIL import Image

    from extramile.plugins.pictures.processing import SOURCE_FORMATS

    formats = sorted(SOURCE_FORMATS - {"MPO"})
    firsts = {}
    for name in formats:
        path = tmp_path / f"p.{name.lower()}"
        Image.new("RGB", (4, 3), (200, 10, 10)).save(path, name)
        with Image.open(path) as image:
            assert image.format == name
        firsts[name] = list(path.read_bytes()[:16])
    firsts["text"] = list(b"Meeting notes, not a photo.\n"[:16])
    firsts["svg"] = list(b'<svg xmlns="http://www.w3.org/2000/svg"/>'[:16])
    found = run_checks(f"Object.fromEntries(Object.entries(JSON.parse(input)).map(([k, b]) => "
                       f"[k, c.pictureFormat(b, {json.dumps(formats)})]))", json.dumps(firsts))
    assert found == {**{name: name for name in formats}, "text": None, "svg": None}


def test_a_post_is_read_again_through_githubs_contents_api_before_a_save():
    """GitHub answers as Gitea and Forgejo do (the stand-in host of tests/forge.py):
    the draft branch first (404 while the post has none), then the site's branch;
    base64 in lines of 60, with the author's token. A GitHub that answers nothing
    readable is `undefined`: the save is refused (WORDS.unread)."""
    import base64
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    text = "Title: Über uns\n\nA post saved by someone else, " + "long " * 40 + "\n"
    asked = []

    class GitHub(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append((self.path, self.headers.get("Authorization")))
            if self.path.endswith("?ref=cms%2Fposts%2Fueber-uns") or "broken" in self.path:
                status, body = (404, {"message": "No commit found for the ref cms/posts/ueber-uns"}) \
                    if "broken" not in self.path else (502, {})
            else:
                encoded = base64.b64encode(text.encode()).decode()
                status, body = 200, {"type": "file", "encoding": "base64", "sha": "3d21ec5",
                                     "content": "\n".join(encoded[i:i + 60] for i in range(0, len(encoded), 60))}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), GitHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        backend = {"kind": "contents", "url": f"http://127.0.0.1:{server.server_port}/repos/team/blog/contents/",
                   "branch": "main", "drafts": "cms"}
        got = run_checks(
            "(async () => { globalThis.localStorage = {getItem: () => JSON.stringify({token: 'T0K'})};"
            " const entry = (path) => ({get: (k) => ({path, collection: 'posts', slug: 'ueber-uns'})[k]});"
            f" const backend = {json.dumps(backend)};"
            " return [await c.currentText(entry('content/posts/ueber-uns.md'), backend),"
            " String(await c.currentText(entry('content/posts/broken.md'), backend))]; })()")
    finally:
        server.shutdown()
    assert got == [text, "undefined"]
    assert asked[:2] == [("/repos/team/blog/contents/content/posts/ueber-uns.md?ref=cms%2Fposts%2Fueber-uns", "token T0K"),
                         ("/repos/team/blog/contents/content/posts/ueber-uns.md?ref=main", "token T0K")]
