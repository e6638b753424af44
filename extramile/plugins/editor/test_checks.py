"""checks.js finds the pictures without alt text that plugins/pictures finds."""

import json
import shutil
import subprocess

import pytest

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
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (script/bootstrap --test installs it)")
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
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (script/bootstrap --test installs it)")
    messages = {"cover": "no cover alt", "picture": "no alt for {src}"}
    entries = [{"cover": "images/a.jpg", "cover_alt": " ", "body": "![](images/b.jpg)\n"},
               {"cover": "images/a.jpg", "cover_alt": "A shop front at night", "body": "Text.\n"},
               {"cover": "", "body": "Text.\n"}]
    script = (f"const c = require({json.dumps(str(CHECKS_JS))});"
              f"process.stdout.write(JSON.stringify({json.dumps(entries)}.map(e => c.problems(e, {json.dumps(messages)}))))")
    run = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(run.stdout) == [["no cover alt", "no alt for images/b.jpg"], [], []]
