"""stock_model.py on a small stock site: one time per save, the save read, no page written."""

import gzip
import json
import subprocess
import sys

from bench import run
from extramile import ROOT


def test_each_save_gives_one_time_and_the_edited_post_is_read_again_without_a_page_written(tmp_path):
    edits, _ = run.write_sites(tmp_path, 5)
    stock_post = edits[1]
    site = tmp_path / "stock"
    got = subprocess.run([sys.executable, "-m", "bench.stock_model", str(site), str(stock_post), "3"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert got.returncode == 0, got.stderr
    times = json.loads(got.stdout)
    assert len(times) == 3 and all(0 < t < 60 for t in times)
    assert stock_post.read_text().count("the way an author fixes a typo") == 3
    # The cache holds the third save: Pelican read the edited post again each time.
    cached = b"".join(gzip.decompress(p.read_bytes()) for p in (site / "model-cache").iterdir())
    assert b"model3" in cached
    assert not (site / "model-output").exists()
