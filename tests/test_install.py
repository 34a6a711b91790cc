"""The README's set-up commands work in a fresh virtual environment.

The commands are read from the README itself (the fenced block after the
``<!-- setup-commands -->`` marker), so the README cannot drift from what works. The venv's
own pip runs them, never upgraded first: a new user's ``python -m venv`` brings the pip
bundled with their Python (23.2 with 3.11), which skipped trafilatura's ``lxml[html_clean]``
extra, so HTML input failed in a fresh venv while CI (which upgraded pip) passed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def readme_setup_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- setup-commands -->\s*```(?:bash|sh|console)?\n(.*?)```", text, re.S)
    assert m, "README.md has no fenced block after <!-- setup-commands -->"
    cmds = [c.strip() for c in m.group(1).splitlines() if c.strip() and not c.startswith("#")]
    return cmds


def test_readme_has_exactly_two_setup_commands() -> None:
    cmds = readme_setup_commands()
    assert len(cmds) == 2
    assert cmds[0].startswith("pip install")
    assert cmds[1].startswith("urai ")


@pytest.mark.slow
def test_fresh_venv_runs_the_readme_setup(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is needed to copy the tracked tree")
    # a clean copy of the tracked files, like a fresh clone
    src = tmp_path / "urai"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for f in filter(None, files):
        if (ROOT / f).is_file():
            (src / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, src / f)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bundled = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "--version"],
                             capture_output=True, text=True, check=True).stdout.split()[1]
    env = dict(os.environ)
    for var in ("PIP_REQUIRE_VIRTUALENV", "PIP_UPGRADE"):
        env.pop(var, None)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    env.pop("PYTHONPATH", None)
    env["VIRTUAL_ENV"] = str(venv)
    for cmd in readme_setup_commands():
        proc = subprocess.run(cmd, shell=True, cwd=src, env=env, capture_output=True, text=True,
                              timeout=900)
        tail = f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        assert proc.returncode == 0, f"{cmd!r} failed:\n{tail}"
        assert "Traceback" not in proc.stderr
    # the installed package is the copy, not this checkout
    proc = subprocess.run([str(venv / "bin" / "python"), "-c", "import urai; print(urai.__file__)"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert str(venv) in proc.stdout
    # ... and, where the machine has a C compiler (CI: URAI_REQUIRE_CORE=1), with its kernels
    proc = subprocess.run([str(venv / "bin" / "python"), "-c",
                           "from urai import kernels; print(kernels.status())"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    if os.environ.get("URAI_REQUIRE_CORE") == "1":
        assert proc.stdout.startswith("compiled"), proc.stdout
    # the venv's own pip was used as it came (nothing upgraded it)
    now = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "--version"],
                         capture_output=True, text=True, check=True).stdout.split()[1]
    assert now == bundled
    # ... and that install reads HTML (trafilatura -> jusText -> lxml.html.clean)
    page = tmp_path / "page.html"
    page.write_text(HTML_PAGE, encoding="utf-8")
    proc = subprocess.run(["urai", "check", "--json", "--html", str(page)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert '"verdict"' in proc.stdout and "Traceback" not in proc.stderr


HTML_PAGE = """<!DOCTYPE html><html><head><title>Serangan Hawa Guncang Suriah Utara</title>
</head><body><article><h1>Serangan Hawa Guncang Suriah Utara</h1><p>Militer Suriah
melancarkan serangan hawa ke wilayah yang dikuasai pemberontak di utara negeri itu pada hari
Minggu. Pasukan pemerintah berusaha merebut kembali kota tersebut dari kelompok bersenjata.
Para saksi mengatakan serangan itu menewaskan sedikitnya 20 orang dan melukai puluhan
lainnya.</p></article></body></html>"""
