"""The HTML report draws in headless Chromium, offline: every chart renders, a screenshot is taken.

Chromium runs with name resolution mapped to nothing, so a page that needed the
network (a CDN script, a web font) would fail to draw. Debian's ``chromium``
package provides ``/usr/bin/chromium`` (installed by the test set-up).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from sync.report import Report, render_html

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHARTS = ("weekly", "segments", "funnel", "lift")


def _chromium(tmp: Path, *args: str) -> str:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"headless Chromium is required for this test and {CHROMIUM} is missing")
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
        f"--user-data-dir={tmp / 'profile'}", "--host-resolver-rules=MAP * ~NOTFOUND",
        "--virtual-time-budget=5000", *args,
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _chart_slices(dom: str) -> dict[str, str]:
    """Each chart's wrapper markup, from its ``data-chart`` marker to the next one."""
    marks = [(dom.find(f'data-chart="{name}"'), name) for name in CHARTS]
    assert all(at >= 0 for at, _ in marks), [n for at, n in marks if at < 0]
    marks.sort()
    ends = [at for at, _ in marks[1:]] + [dom.find('class="table"', marks[-1][0])]
    return {name: dom[at:end] for (at, name), end in zip(marks, ends, strict=True)}


def test_every_chart_draws_offline(report: Report, tmp_path: Path) -> None:
    page = render_html(report, tmp_path / "report.html")
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri())
    for name, markup in _chart_slices(dom).items():
        assert 'class="plot-container plotly"' in markup, name
        assert 'class="main-svg"' in markup, name
        assert 'class="trace' in markup, name  # a data trace was drawn, not just axes
    assert "33.3%" in dom  # the headline reactivation rate

    shot = tmp_path / "report.png"
    _chromium(tmp_path, "--window-size=1280,2400", f"--screenshot={shot}", page.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
