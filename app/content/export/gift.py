"""A module's question bank as GIFT (docs.moodle.org/en/GIFT_format), leaving out what GIFT cannot say."""
from __future__ import annotations

from app.content.export.moodle_xml import Export, LeftOut, general_feedback
from app.content.export.pieces import NotExpressible, gift_escape, gift_html
from app.content.model import Module, Question
from app.quiz.types import QUESTION_TYPES


def question_text(question: Question) -> str:
    """`::name::[html]prompt{ answers ####general feedback }`, one GIFT question.

    :raise NotExpressible: when GIFT has no syntax for the question's type.
    """
    answers = QUESTION_TYPES[question.type].gift(question.spec["data"])
    return (f"// {question.id} ({question.type})\n"
            f"::{gift_escape(question.id)}::[html]{gift_html(question.spec['prompt_html'])}{{\n"
            f"{answers}\n\t####{gift_html(general_feedback(question))}\n}}")


def module_gift(module: Module) -> Export:
    """The module's bank as one GIFT file; a comment block at the top lists what was left out and why."""
    written, left_out = [], []
    for question in module.questions:
        try:
            written.append(question_text(question))
        except NotExpressible as exc:
            left_out.append(LeftOut(question.id, str(exc)))
    header = [f"// Groundwork: {module.title}", f"// {len(written)} of {len(module.questions)} questions."]
    if left_out:
        header.append("// Left out, because GIFT cannot express them:")
        header += [f"//   {item.question_id}: {item.reason}" for item in left_out]
    header.append(f"$CATEGORY: $course$/top/Groundwork/{module.title.replace('/', '//')}")
    return Export("\n".join(header) + "\n\n" + "\n\n".join(written) + "\n", tuple(left_out))
