"""Course Markdown: lessons split at `## Title {#id}`, call-out boxes, sanitized HTML."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from mdit_py_plugins.container import container_plugin

CALLOUTS = ("remember", "law", "example", "warning")
# Raise when the HTML produced from the same Markdown changes: sync then renders every lesson again.
RENDER_VERSION = 2
LESSON_HEADING = re.compile(r"^##\s+(?P<title>.+?)\s*\{#(?P<id>[^}]*)\}\s*$")
MODULE_HEADING = re.compile(r"^#\s+(?P<title>\S.*?)\s*$")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")

ALLOWED_TAGS = {
    "p", "h3", "h4", "h5", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote", "hr",
    "br", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "aside", "div", "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "loading"},
    "aside": {"class", "role", "aria-label"},
    "div": {"class", "tabindex", "role", "aria-label"},
    "p": {"class"},
    "th": {"scope"},
    "ol": {"start"},
}


@dataclass
class ParsedLesson:
    id: str
    title: str
    markdown: str
    line: int


@dataclass
class ParsedModule:
    title: str | None
    lessons: list[ParsedLesson] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


def split_module(text: str) -> ParsedModule:
    """Split a module file into its title and lessons; problems carry line numbers."""
    module = ParsedModule(title=None)
    current: ParsedLesson | None = None
    body: list[str] = []
    in_fence = False
    open_callouts: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            in_fence = not in_fence
        if not in_fence:
            stripped = line.strip()
            if stripped.startswith(":::"):
                name = stripped[3:].strip().split(" ", 1)[0] if stripped != ":::" else ""
                if name:
                    if name not in CALLOUTS:
                        module.problems.append((number, f"unknown call-out box '::: {name}' "
                                                        f"(use one of: {', '.join(CALLOUTS)})"))
                    open_callouts.append(number)
                elif open_callouts:
                    open_callouts.pop()
                else:
                    module.problems.append((number, "':::' closes a call-out box that was never opened"))
            if line.startswith("# ") and not line.startswith("## "):
                match = MODULE_HEADING.match(line)
                if module.title is not None or current is not None:
                    module.problems.append((number, "only one '#' module title is allowed, at the top"))
                elif match:
                    module.title = match.group("title")
                continue
            if line.startswith("## "):
                match = LESSON_HEADING.match(line)
                if not match:
                    module.problems.append((number, "a lesson heading needs a stable id: '## Title {#lesson-id}'"))
                    continue
                if current is not None:
                    current.markdown = "\n".join(body).strip()
                lesson_id = match.group("id")
                if not SLUG.match(lesson_id):
                    module.problems.append((number, f"lesson id '{lesson_id}' must use lowercase letters, "
                                                    "digits and hyphens"))
                if any(lesson.id == lesson_id for lesson in module.lessons):
                    module.problems.append((number, f"duplicate lesson id '{lesson_id}'"))
                current = ParsedLesson(id=lesson_id, title=match.group("title"), markdown="", line=number)
                module.lessons.append(current)
                body = []
                continue
        body.append(line)
    if current is not None:
        current.markdown = "\n".join(body).strip()
    for number in open_callouts:
        module.problems.append((number, "call-out box is not closed with ':::'"))
    if module.title is None:
        module.problems.append((1, "the module has no '# Title' line"))
    if not module.lessons:
        module.problems.append((1, "the module has no lessons ('## Title {#lesson-id}')"))
    return module


def images_in(markdown: str) -> list[tuple[str, str]]:
    """(alt, src) of every picture."""
    return [(m.group("alt"), m.group("src")) for m in IMAGE.finditer(markdown)]


WORD = re.compile(r"[^\W\d_](?:[\w'’-]*\w)?", re.UNICODE)


def word_count(markdown: str) -> int:
    """Words of running text: markup, call-out markers and link targets left out."""
    text = IMAGE.sub(lambda m: m.group("alt"), markdown)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"^:::.*$", "", text, flags=re.MULTILINE)
    text = re.sub(r"\{#[^}]*\}", "", text)
    return len(WORD.findall(text))


def _render_callout(kind: str):
    def render(self, tokens, idx, _options, env):
        token = tokens[idx]
        if token.nesting == 1:
            title = token.info.strip()[len(kind):].strip()
            heading = f'<p class="callout-title">{escapeHtml(title)}</p>' if title else ""
            label = env.get("callout_labels", {}).get(kind, kind)
            return (f'<aside class="callout callout-{kind}" role="note" '
                    f'aria-label="{escapeHtml(label)}">{heading}\n')
        return "</aside>\n"

    return render


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    for kind in CALLOUTS:
        md.use(container_plugin, name=kind, render=_render_callout(kind))
    return md


def render_lesson(markdown: str, image_base: str, callout_labels: dict[str, str]) -> str:
    """Markdown to sanitized HTML. Lesson headings are h2 on the page, so sub-headings start at h3."""
    env = {"callout_labels": callout_labels}
    html = _parser().render(markdown, env)
    html = re.sub(r"<(/?)h([1-2])>", lambda m: f"<{m.group(1)}h3>", html)
    html = re.sub(r'<img src="images/', f'<img loading="lazy" src="{image_base}/', html)
    # Wide tables scroll sideways on a phone: the scrolling box must be reachable by keyboard.
    table_label = escapeHtml(callout_labels.get("table", "Table"))
    html = html.replace("<table>", f'<div class="table-wrap" tabindex="0" role="region" aria-label="{table_label}"><table>')
    html = html.replace("</table>", "</table></div>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
