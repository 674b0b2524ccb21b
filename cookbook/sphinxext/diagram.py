"""``.. diagram:: caption``: an ASCII drawing, rendered as an inline SVG.

The drawing is the directive's content, in the plain-text syntax of
Svgbob (lines, boxes, arrows). It is turned into SVG when the site is built,
and the SVG is written into the page itself, so the diagram needs no script
and no network when the page is read; the drawing stays the alt text.
"""

import html
from typing import ClassVar

from docutils import nodes
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import OptionSpec
from sphinxcontrib.svgbob._svgbob import to_svg


class DiagramDirective(SphinxDirective):
    has_content = True
    required_arguments = 1
    final_argument_whitespace = True
    option_spec: ClassVar[OptionSpec] = {}

    def run(self) -> list[nodes.Node]:
        drawing = "\n".join(self.content)
        if not drawing.strip():
            raise self.error("draw the diagram in the directive's content.")
        svg = to_svg(drawing, include_backdrop=False)
        caption = html.escape(self.arguments[0])
        figure = (
            f'<figure class="diagram" role="img" aria-label="{caption}">'
            f"{svg}<figcaption>{caption}</figcaption></figure>"
        )
        return [nodes.raw("", figure, format="html")]
