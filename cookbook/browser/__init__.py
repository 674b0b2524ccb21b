"""The built site used as a reader uses it: ``python -m cookbook.browser build/html``.

Serves the site on a free loopback port and drives it with Playwright in
headless Chromium:

* every page, crawled from the index, loads without a console error, a
  failed request, a broken image or a link to a missing page or anchor
  (``crawl.py``);
* a console block's copy button copies the command alone (no ``$ ``, no
  output), a code block's the whole snippet (``copy_buttons.py``);
* the search box finds a glossary term, and each chapter by a word of its
  text (``search.py``);
* at a phone's width (375 px) nothing but code blocks scrolls sideways
  (``phone_width.py``);
* in the dark theme, highlighted lines keep their text readable
  (``dark_contrast.py``);
* each chapter's download link gives a zip (``download_links.py``), which
  is the files the page shows (``downloads.py``) and which installs in a
  fresh virtualenv with its tests passing (``install.py``).

``all_checks.py`` runs them in that order, after finding Chromium
(``chromium.py``) and serving the site (``server.py``); a failed check saves
a screenshot of its page under ``build/browser/`` and names it
(``report.py``). The JavaScript the checks run in the pages is in ``js/``.

``python -m cookbook.browser.downloads build/html`` checks the zips without
a browser (``nox -s downloads``), so this package imports nothing of
Playwright until a module that drives the browser is imported.
"""
