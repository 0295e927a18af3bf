"""Text helpers shared by the content loader: normalising, front matter, YAML with lines."""
from __future__ import annotations

import hashlib
import re
from typing import Any

import yaml

QUOTE_MARKS = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
EMPHASIS = re.compile(r"\*\*|__")


def normalise(text: str) -> str:
    """The grounding rule's normalisation: emphasis dropped, quotes straightened, spaces folded."""
    text = EMPHASIS.sub("", text).translate(QUOTE_MARKS)
    return re.sub(r"\s+", " ", text).strip()


def passage_key(source_id: str, quote: str, occurrence: int) -> str:
    """A short stable id for an anchored passage (used in reader URLs)."""
    digest = hashlib.sha1(f"{source_id}|{normalise(quote)}|{occurrence}".encode()).hexdigest()
    return digest[:10]


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalise(text).lower().replace("'", "")).strip("-")


class LineDict(dict):
    """A mapping from YAML that remembers the line of itself and of each key."""

    line: int = 1
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[key] = loader.construct_object(value_node, deep=True)
        if isinstance(key, str):
            result.key_lines[key] = key_node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class YamlProblem(Exception):
    def __init__(self, line: int, message: str):
        self.line = line
        super().__init__(message)


def load_yaml(text: str, first_line: int = 1) -> Any:
    """Parse YAML into LineDicts; a syntax error becomes YamlProblem with its line."""
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        # An unclosed bracket or quote is reported where the parser gave up; point at where it opened.
        mark = exc.context_mark or exc.problem_mark
        line = (mark.line + first_line) if mark else first_line
        detail = exc.problem or str(exc)
        if exc.context and exc.problem_mark:
            detail = f"{exc.context} opened here: {detail} (line {exc.problem_mark.line + first_line})"
        raise YamlProblem(line, f"YAML: {detail}") from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(first_line, f"YAML: {exc}") from exc
    if first_line != 1:
        _shift_lines(data, first_line - 1)
    return data


def _shift_lines(data: Any, offset: int) -> None:
    if isinstance(data, LineDict):
        data.line += offset
        data.key_lines = {k: v + offset for k, v in data.key_lines.items()}
        for value in data.values():
            _shift_lines(value, offset)
    elif isinstance(data, list):
        for item in data:
            _shift_lines(item, offset)


def split_front_matter(text: str) -> tuple[str, str, int]:
    """Return (front matter, body, line number where the body starts).

    :raise YamlProblem: when the file does not open with a `---` block.
    """
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise YamlProblem(1, "front matter: the file must start with a line '---'")
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1:]), index + 2
    raise YamlProblem(1, "front matter: no closing '---' line")


def read_front_matter(path, problems) -> tuple[LineDict, str, int] | None:
    """(front matter, body, body's first line) of a Markdown file; problems recorded, None if unreadable."""
    try:
        head, body, body_line = split_front_matter(path.read_text(encoding="utf-8"))
        meta = load_yaml(head, first_line=2)
    except YamlProblem as exc:
        problems.add(path, exc.line, str(exc))
        return None
    if not isinstance(meta, dict):
        problems.add(path, 1, "front matter: must be a mapping")
        return None
    return meta, body, body_line
