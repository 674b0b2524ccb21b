"""The browser check catches what a reader would trip on, with a screenshot.

These tests drive Chromium, so they run in the browser session (which
installs Playwright); elsewhere they are skipped.
"""

import re
from pathlib import Path

import pytest
from conftest import Build, SampleBook

pytest.importorskip("playwright.sync_api")

from cookbook.browser import (
    NO_CHROMIUM,
    NoChromiumError,
    check_site,
    find_chromium,
)

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title>
<link rel="icon" href="data:,"></head>
<body><p>{body}</p></body></html>
"""


def screenshots_named(problems: list[str]) -> list[Path]:
    return [
        Path(match)
        for problem in problems
        for match in re.findall(r"screenshot: (\S+\.png)", problem)
    ]


def test_without_chromium_it_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(NoChromiumError) as raised:
        find_chromium({"PATH": str(tmp_path)}, lambda: str(tmp_path / "none"), known=())

    assert str(raised.value) == NO_CHROMIUM
    assert "apt-get install chromium" in NO_CHROMIUM


def test_chromium_on_the_path(tmp_path: Path) -> None:
    chrome = tmp_path / "google-chrome"
    chrome.write_text("")
    chrome.chmod(0o755)

    assert find_chromium({"PATH": str(tmp_path)}, known=()) == str(chrome)


def test_chromium_named_by_a_variable(tmp_path: Path) -> None:
    chrome = tmp_path / "chrome"
    chrome.write_text("")

    assert find_chromium({"CHROMIUM": str(chrome), "PATH": ""}) == str(chrome)
    with pytest.raises(NoChromiumError, match="CHROMIUM=/nowhere: no such file"):
        find_chromium({"CHROMIUM": "/nowhere", "PATH": ""})


def test_a_link_to_a_missing_page(tmp_path: Path) -> None:
    site = tmp_path / "html"
    site.mkdir()
    (site / "index.html").write_text(
        PAGE.format(
            title="Index",
            body='<a href="a.html">a</a> <a href="missing.html">gone</a>',
        )
    )
    (site / "a.html").write_text(
        PAGE.format(title="A", body='<a href="index.html#nowhere">back</a>')
    )
    shots = tmp_path / "shots"

    problems = check_site(
        site,
        chapters_dir=tmp_path / "no-chapters",
        screenshots=shots,
        only=("crawl",),
    )

    assert len(problems) == 2, problems
    assert (
        "index.html:\n  - links to a missing page missing.html (HTTP 404)"
        in (problems[0])
    )
    assert "a.html: links to index.html#nowhere, an anchor" in problems[1]
    (shot,) = screenshots_named(problems)
    assert shot.is_file()
    assert shot.parent == shots


def test_the_sample_site_passes(built: Build, recorded: SampleBook) -> None:
    # The sample declares no favicon: Chromium asks for /favicon.ico, and
    # logs its 404 as a console error (the book's conf.py sets html_favicon).
    (built.html / "favicon.ico").write_bytes(b"")

    problems = check_site(
        built.html,
        chapters_dir=recorded.chapters_dir,
        screenshots=built.html.parent / "shots",
        install=False,
        only=("crawl", "downloads"),
    )

    assert problems == []


def test_a_missing_download(built: Build, recorded: SampleBook) -> None:
    (built.html / "downloads" / "reading-club-02-second.zip").unlink()
    shots = built.html.parent / "shots"

    problems = check_site(
        built.html,
        chapters_dir=recorded.chapters_dir,
        screenshots=shots,
        install=False,
        only=("downloads",),
    )

    text = "\n".join(problems)
    assert "links to a missing file downloads/reading-club-02-second.zip" in text
    assert (
        "chapters/02-second/index.html: the download link "
        "../../downloads/reading-club-02-second.zip is missing (HTTP 404)"
    ) in text
    assert screenshots_named(problems)
    assert all(shot.is_file() for shot in screenshots_named(problems))
