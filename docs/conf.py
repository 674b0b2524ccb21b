"""Sphinx configuration of the Reading Club Cookbook."""

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

project = "The Reading Club Cookbook"
author = "The Reading Club Cookbook authors"
copyright = "2026, the Reading Club Cookbook authors"

extensions = [
    "cookbook.sphinxext",
    "sphinx_copybutton",
    "sphinx_design",
]

# Chapter pages live in ../chapters (reached through the docs/chapters link)
# next to their snippets; only the .rst pages are documents.
source_suffix = {".rst": "restructuredtext"}
exclude_patterns = ["_build"]
highlight_language = "python"
pygments_style = "friendly"
pygments_dark_style = "monokai"

html_theme = "furo"
html_title = "The Reading Club Cookbook"
html_static_path = ["_static"]
html_css_files = ["cookbook.css"]
# Without one, every browser asks for /favicon.ico and logs a 404 as an error.
html_favicon = "_static/favicon.svg"
html_show_sourcelink = False

# The copy button copies commands, not the "$ " prompt nor the output. The
# prompt (.gp) must stay in the text it reads: it is how the button tells a
# command line from output (excluding it made the button copy the command
# followed by one empty line per line of output; nox -s browser checks it).
copybutton_prompt_text = "$ "
copybutton_only_copy_prompt_lines = True
copybutton_copy_empty_lines = False
copybutton_exclude = ".linenos, .go"
