"""The browser check catches what a reader would trip on, with a screenshot.

These tests drive Chromium, so they run in the browser session (which
installs Playwright); elsewhere they are skipped.
"""

import re
from pathlib import Path

import pytest
from conftest import Build, SampleBook

pytest.importorskip("playwright.sync_api")

from cookbook.browser.all_checks import check_site
from cookbook.browser.chromium import NO_CHROMIUM, NoChromiumError, find_chromium
from cookbook.browser.chromium_install import INSTALL_STATUS_VARIABLE

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


def test_a_failed_install_is_named_when_no_chromium_is_found(tmp_path: Path) -> None:
    status = tmp_path / "apt-chromium.status"
    status.write_text("100\n")
    environment = {INSTALL_STATUS_VARIABLE: str(status), "PATH": str(tmp_path)}
    with pytest.raises(NoChromiumError) as error:
        find_chromium(environment, known=())
    assert str(tmp_path / "apt-chromium.log") in str(error.value)
    assert NO_CHROMIUM in str(error.value)


def test_a_failed_install_leaves_the_others_to_find(tmp_path: Path) -> None:
    status = tmp_path / "apt-chromium.status"
    status.write_text("100\n")
    chrome = tmp_path / "google-chrome"
    chrome.write_text("#!/bin/sh\n")
    chrome.chmod(0o755)
    environment = {INSTALL_STATUS_VARIABLE: str(status), "PATH": str(tmp_path)}
    assert find_chromium(environment, known=()) == str(chrome)


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


def test_a_download_link_that_gives_another_file(
    built: Build, recorded: SampleBook
) -> None:
    # A zip of the right name, elsewhere on the site: the downloads check
    # tests the site's file, so the link must give that file.
    (built.html / "favicon.ico").write_bytes(b"")  # see test_the_sample_site_passes
    other = built.html / "elsewhere" / "reading-club-02-second.zip"
    other.parent.mkdir()
    first = built.html / "downloads" / "reading-club-01-first.zip"
    other.write_bytes(first.read_bytes())
    page = built.html / "chapters" / "02-second" / "index.html"
    page.write_text(
        page.read_text().replace(
            "../../downloads/reading-club-02-second.zip",
            "../../elsewhere/reading-club-02-second.zip",
        )
    )

    problems = check_site(
        built.html,
        chapters_dir=recorded.chapters_dir,
        screenshots=built.html.parent / "shots",
        install=False,
        only=("downloads",),
    )

    assert len(problems) == 1, problems
    assert (
        "chapters/02-second/index.html: ../../elsewhere/reading-club-02-second.zip"
        ": not the site's file "
    ) in problems[0]


def chapter_site(tmp_path: Path, chapter_body: str) -> Path:
    """An index linking to one chapter page whose body is ``chapter_body``."""
    site = tmp_path / "html"
    chapter = site / "chapters" / "01-first"
    chapter.mkdir(parents=True)
    (site / "index.html").write_text(
        PAGE.format(title="Index", body='<a href="chapters/01-first/">First</a>')
    )
    (chapter / "index.html").write_text(PAGE.format(title="First", body=chapter_body))
    return site


def test_text_that_scrolls_sideways_on_a_phone(tmp_path: Path) -> None:
    site = chapter_site(
        tmp_path,
        '</p><div class="wide" style="overflow-x: auto">'
        '<div style="width: 1000px">a line too long</div></div><p>',
    )

    problems = check_site(
        site,
        chapters_dir=tmp_path / "no-chapters",
        screenshots=tmp_path / "shots",
        only=("phone",),
    )

    (problem,) = problems
    assert problem.startswith("chapters/01-first/index.html at 375 px:\n")
    assert re.search(r"div\.wide scrolls sideways \(1000 px in \d+ px\)", problem)


def test_a_code_block_without_a_copy_button_and_hard_to_read(tmp_path: Path) -> None:
    # Dark grey text on the dark band of a highlighted line: about 1.1:1.
    site = chapter_site(
        tmp_path,
        '</p><div class="highlight"><pre><span class="hll" '
        'style="background-color: #12130f"><span style="color: #222222">'
        "x = 1</span>\n</span></pre></div><p>",
    )

    problems = check_site(
        site,
        chapters_dir=tmp_path / "no-chapters",
        screenshots=tmp_path / "shots",
        only=("copy", "dark"),
    )

    assert len(problems) == 2, problems
    assert (
        "chapters/01-first/index.html: a code block has no copy button."
        in (problems[0])
    )
    assert (
        "chapters/01-first/index.html in the dark theme: highlighted lines are "
        "hard to read (contrast below 4.5:1):\n  - 'x = 1': rgb(34, 34, 34) on "
        "rgb(18, 19, 15), 1.1"
    ) in problems[1]


def test_copy_buttons_that_copy_the_wrong_text_or_nothing(tmp_path: Path) -> None:
    # A console block whose button copies the prompt too, a code block whose
    # button copies nothing, a right one, and a right one whose button is
    # under another element: the click, which does not wait for the button
    # to be the element that receives it, lands on that element.
    def block(kind: str, text: str, copies: str | None, covered: bool = False) -> str:
        click = "" if copies is None else f"navigator.clipboard.writeText({copies!r})"
        cover = (
            '<div style="position: absolute; inset: 0; background: white"></div>'
            if covered
            else ""
        )
        return (
            f'<div class="highlight-{kind}"><div class="highlight" '
            f'style="position: relative"><pre>{text}</pre><button class="copybtn" '
            f'onclick="{click}">copy</button>{cover}</div></div>'
        )

    site = chapter_site(
        tmp_path,
        "</p>"
        + block("console", "$ nox -s docs\nbuilt", "$ nox -s docs")
        + block("python", "x = 1", None)
        + block("python", "y = 2", "y = 2")
        + block("python", "z = 3", "z = 3", covered=True)
        + "<p>",
    )

    problems = check_site(
        site,
        chapters_dir=tmp_path / "no-chapters",
        screenshots=tmp_path / "shots",
        only=("copy",),
    )

    assert len(problems) == 3, problems
    assert (
        "chapters/01-first/index.html: the copy button of a console block copied "
        "'$ nox -s docs', expected 'nox -s docs'."
    ) in problems[0]
    assert (
        "chapters/01-first/index.html: the copy button of a code block copied "
        "'', expected 'x = 1'."
    ) in problems[1]
    assert (
        "chapters/01-first/index.html: the copy button of a code block copied "
        "'', expected 'z = 3'."
    ) in problems[2]


def test_a_closed_dropdown_is_opened_before_its_content_is_checked(
    tmp_path: Path,
) -> None:
    site = chapter_site(
        tmp_path,
        '</p><details><summary>The harness</summary><div class="wide" '
        'style="overflow-x: auto"><div style="width: 1000px">folded</div>'
        "</div></details><p>",
    )

    problems = check_site(
        site,
        chapters_dir=tmp_path / "no-chapters",
        screenshots=tmp_path / "shots",
        only=("phone",),
    )

    (problem,) = problems
    assert re.search(r"div\.wide scrolls sideways \(1000 px in \d+ px\)", problem)
