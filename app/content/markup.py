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
    row_height, label_width, bar_width = 28, 170, 300
    height = row_height * len(chart.values) + 8
    rows = []
    for index, (label, value) in enumerate(chart.values):
        y = index * row_height + 4
        width = max(1.0, bar_width * value / chart.maximum)
        rows.append(
            f'<text x="{label_width - 8}" y="{y + 18}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{width:.1f}" height="{row_height - 10}" class="bar"></rect>'
            f'<text x="{label_width + width + 6:.1f}" y="{y + 18}">{value:,g}</text>'
        )
    table_rows = "".join(f"<tr><th scope=\"row\">{escape(l)}</th><td>{v:,g}</td></tr>" for l, v in chart.values)
    total = f"<tr><th scope=\"row\">Total</th><td>{chart.total:,g}</td></tr>" if chart.total is not None else ""
    cite = (f'<a class="cite-ref" href="{reader_href(chart.passage.source_id, chart.passage.key, chart.passage.paragraph)}">'
            f'{escape(chart.source_short)}, ¶{chart.passage.paragraph}</a>')
    return (
        f'<figure class="chart" id="chart-{chart.id}">'
        f'<figcaption><strong>{escape(chart.title)}</strong> ({escape(chart.unit)}) {cite}</figcaption>'
        f'<svg role="img" aria-label="{escape(chart.title)}" viewBox="0 0 {label_width + bar_width + 70} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet">{"".join(rows)}</svg>'
        f'<p class="caveat">{escape(chart.caveat)}</p>'
        f'<details><summary>The figures as a table</summary><table class="figures">'
        f'<thead><tr><th scope="col">{escape(chart.unit.capitalize())}</th><th scope="col">Number</th></tr></thead>'
        f"<tbody>{table_rows}{total}</tbody></table></details></figure>"
    )
