"""``.. transcript:: 3``: the recorded output of step 3's command."""

from typing import ClassVar

from docutils import nodes
from sphinx.directives.code import container_wrapper
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import OptionSpec

from cookbook import transcript
from cookbook.paths import display
from cookbook.sphinxext.chapters import chapter_of, note_chapter_dependencies
from cookbook.sphinxext.everything_shown import remember_shown

CAPTIONS = {
    "pass": "Step {number}: expected to pass, and verified to pass",
    "fail": "Step {number}: expected to fail, and verified to fail",
}


class TranscriptDirective(SphinxDirective):
    has_content = False
    required_arguments = 1
    option_spec: ClassVar[OptionSpec] = {}

    def run(self) -> list[nodes.Node]:
        chapter = chapter_of(self.env, self)
        note_chapter_dependencies(self.env, chapter)
        try:
            step = chapter.step(int(self.arguments[0]))
        except ValueError:
            raise self.error(
                "give the step number, as in '.. transcript:: 3'."
            ) from None
        except Exception as error:
            raise self.error(str(error)) from None
        if step.command is None or step.expect is None:
            raise self.error(
                f"step {step.number} runs no command, so it has no transcript."
            )
        path = chapter.transcript_path(step)
        recorded = transcript.load(path)
        if recorded is None:
            raise self.error(
                f"{display(path)} is not recorded yet: run "
                f"nox -s chapter-{chapter.label} -- --record"
            )
        remember_shown(self.env, "transcripts", str(step.number))
        text = recorded.render().rstrip("\n")
        block = nodes.literal_block(text, text, language="console")
        block["source"] = str(path)
        self.set_source_info(block)
        caption = CAPTIONS[step.expect].format(number=step.number)
        wrapped = container_wrapper(self, block, caption)
        wrapped["classes"] += ["transcript", f"transcript-{step.expect}"]
        return [wrapped]
