"""bench/against.py's logic that needs no build: when the old checkout may borrow this
environment, what pytest said, the pytest command read from a checkout's tasks.py,
the throwaway worktree, and the side-by-side table."""

import subprocess
import sys
from pathlib import Path

from bench import against
from extramile import ROOT


def locks(folder, **changed):
    folder.mkdir()
    for name in against.LOCKS:
        (folder / name).write_text(changed.get(name.replace("-", "_").replace(".", "_"), f"pins of {name}\n"))
    return folder


def test_the_environment_is_borrowed_only_when_every_lock_file_is_the_same(tmp_path):
    here = locks(tmp_path / "here")
    assert against.can_reuse(here, locks(tmp_path / "same"))
    assert not against.can_reuse(here, locks(tmp_path / "npm", package_lock_json="other npm tree\n"))
    assert not against.can_reuse(here, locks(tmp_path / "test", requirements_test_lock="pytest==1\n"))
    gone = locks(tmp_path / "gone")
    (gone / "requirements.lock").unlink()
    assert not against.can_reuse(here, gone)


def test_pytests_closing_line_gives_the_counts():
    printed = "tests/a.py ..F\nFAILED tests/a.py::x - assert 1\n= 2 failed, 410 passed, 3 skipped, 1 error in 250.10s =\n"
    assert against.outcome(printed) == {"failed": 2, "passed": 410, "skipped": 3, "error": 1}
    assert against.outcome("collected 0 items\n") == {}


def test_the_suite_command_is_the_pytest_line_of_the_checkouts_own_invoke_test(tmp_path):
    (tmp_path / "tasks.py").write_text(
        "import sys\nfrom invoke import task\n\n\n@task\ndef test(c):\n"
        "    c.run(f'{sys.executable} -m ruff check .')\n"
        "    c.run(f'{sys.executable} -m pytest -n 2 --dist loadfile -p no:cacheprovider')\n")
    side = against.Side("old", tmp_path, Path(sys.executable), "abc1234")
    assert against.suite_command(side) == [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadfile",
                                           "-p", "no:cacheprovider"]


def test_a_commit_with_the_same_locks_borrows_this_environment_and_its_worktree_goes_afterwards(tmp_path,
                                                                                                 monkeypatch):
    head = against.git("rev-parse", "HEAD")
    monkeypatch.setattr(against, "can_reuse", lambda here, there: True)  # as if `invoke lock` had not run since
    with against.checkout("HEAD", tmp_path / "bootstrap.log") as old:
        assert old.commit == head[:len(old.commit)]
        assert (old.root / ".venv").resolve() == (ROOT / ".venv").resolve()
        assert old.env()["PYTHONPATH"] == str(old.root)
        imported = subprocess.run([str(old.python), "-c", "import extramile; print(extramile.__file__)"],
                                  cwd="/", env=old.env(), capture_output=True, text=True, check=True).stdout
        assert Path(imported.strip()).is_relative_to(old.root)  # its own code, not this checkout's
    assert not old.root.exists()
    assert str(old.root) not in against.git("worktree", "list")


def sample(cold, page, build, suite):
    return {"cold": [{"wall": w} for w in cold], "loop": {"page": page, "build": build},
            "suite": [{"wall": w, "code": 0, "outcome": {"passed": 400}} for w in suite]}


def test_the_table_puts_medians_side_by_side_with_new_over_old():
    result = {"old": {"rev": "2999030", "commit": "2999030"}, "new": {"commit": "0b1f5d9"},
              "samples": {"old": sample([30, 34, 32], [1.0, 1.2, 1.4], [10, 12, 11], [240]),
                          "new": sample([15, 17, 16], [0.6, 0.6, 0.6], [5, 5, 5], [180])}}
    assert against.rows(result) == [
        (against.ROWS["cold"], 32, 16, 0.5),
        (against.ROWS["loop page"], 1.2, 0.6, 0.5),
        (against.ROWS["loop build"], 11, 5, 5 / 11),
        (against.ROWS["suite"], 240, 180, 0.75),
    ]
    text = against.table(result)
    assert "| cold production build (s) | 32.00 | 16.00 | 0.50× |" in text
    assert "The old suite said: 400 passed." in text


def test_a_leg_only_one_side_ran_is_left_out():
    result = {"old": {"commit": "a"}, "new": {"commit": "b"},
              "samples": {"old": {"cold": [{"wall": 2.0}], "loop": {}, "suite": []},
                          "new": {"cold": [{"wall": 3.0}], "loop": {"page": [0.5]}, "suite": []}}}
    assert against.rows(result) == [(against.ROWS["cold"], 2.0, 3.0, 1.5)]
