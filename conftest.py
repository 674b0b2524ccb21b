"""pytest at the top of the repository: a chapter folder is a test suite.

``pytest chapters/04-service-handler``, in that chapter's environment (what
``nox -s chapter-04`` does), replays the chapter with one test item per step
(see cookbook/pytest_plugin.py); a bare ``pytest`` runs the machinery's own
tests (``testpaths`` in pyproject.toml). The chapters' own projects never see
this file: their steps run in folders whose own pyproject.toml stops pytest's
search for conftest files.
"""

# pytester: the machinery's tests of the plugin run pytest on a sample book.
pytest_plugins = ["cookbook.pytest_plugin", "pytester"]
