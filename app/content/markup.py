"""Markdown and small HTML fragments built at load time (never per request)."""
from __future__ import annotations

import re

import markdown
from markupsafe import Markup, escape

EXTENSIONS = ["extra", "sane_lists", "smarty"]


def render_markdown(text: str) -> str:
    return markdown.markdown(text or "", extensions=EXTENSIONS, output_format="html")


def render_inline(text: str) -> str:
    html = render_markdown(text)
    match = re.fullmatch(r"<p>(.*)</p>", html.strip(), re.S)
    return match.group(1) if match else html


def reader_href(source_id: str, key: str | None = None, paragraph: int | None = None) -> str:
    """The source reader's address; kept here so content HTML can be built without a request."""
    href = f"/sources/{source_id}"
    if key:
        href += f"?hl={key}"
    if paragraph:
        href += f"#p-{paragraph}"
    return href


def citation_html(source_short: str, source_id: str, key: str, paragraph: int, quote: str) -> str:
    """The quoted words, inline and linked to the passage, with a small source label."""
    return str(Markup('<a class="cite" href="{href}"><q>{quote}</q> <span class="cite-label">{label}</span></a>').format(
        href=reader_href(source_id, key, paragraph), quote=quote, label=f"{source_short}, ¶{paragraph}"))


def term_html(slug: str, shown: str, definition_html: str, number: int) -> str:
    tip = f"tip-{slug}-{number}"
    return (f'<span class="term-wrap"><a class="term" href="/glossary#term-{slug}" aria-describedby="{tip}">'
            f"{escape(shown)}</a><span class=\"term-tip\" role=\"tooltip\" id=\"{tip}\">{definition_html}</span></span>")


def chart_html(chart) -> str:
    """A bar chart whose text keeps its size on any screen: no viewBox (which would shrink the labels
    with the width on a phone); each label sits above its bar, and bars and values are placed in percent."""
    row_height, bar_height, bar_span = 44, 14, 82  # px, px, % of the width for the longest bar
    height = row_height * len(chart.values) + 4
    rows = []
    for index, (label, value) in enumerate(chart.values):
        y = index * row_height
        width = max(0.3, bar_span * value / chart.maximum)
        rows.append(
            f'<text x="0" y="{y + 16}">{escape(label)}</text>'
            f'<rect x="0" y="{y + 23}" width="{width:.2f}%" height="{bar_height}" class="bar"></rect>'
            f'<text x="{width:.2f}%" dx="6" y="{y + 35}">{value:,g}</text>'
        )
    table_rows = "".join(f"<tr><th scope=\"row\">{escape(l)}</th><td>{v:,g}</td></tr>" for l, v in chart.values)
    total = f"<tr><th scope=\"row\">Total</th><td>{chart.total:,g}</td></tr>" if chart.total is not None else ""
    cite = (f'<a class="cite-ref" href="{reader_href(chart.passage.source_id, chart.passage.key, chart.passage.paragraph)}">'
            f'{escape(chart.source_short)}, ¶{chart.passage.paragraph}</a>')
    return (
        f'<figure class="chart" id="chart-{chart.id}">'
        f'<figcaption><strong>{escape(chart.title)}</strong> ({escape(chart.unit)}) {cite}</figcaption>'
        f'<svg role="img" aria-label="{escape(chart.title)}" width="100%" height="{height}">{"".join(rows)}</svg>'
        f'<p class="caveat">{escape(chart.caveat)}</p>'
        f'<details><summary>The figures as a table</summary><table class="figures">'
        f'<thead><tr><th scope="col">{escape(chart.unit.capitalize())}</th><th scope="col">Number</th></tr></thead>'
        f"<tbody>{table_rows}{total}</tbody></table></details></figure>"
    )
