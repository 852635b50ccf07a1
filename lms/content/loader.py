"""Load and validate courses/ : every problem is reported with its file and line."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from lms.content import schema
from lms.content.markdown import RENDER_VERSION, images_in, split_module, word_count

SUPPORTED_LANGUAGES = ("nb", "en", "uk")
MODULE_FILE = re.compile(r"^(?P<pos>\d{2})-(?P<id>[a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
QUIZ_SUFFIX = ".quiz.yaml"
REGULATION_AUDIENCES = ("safety_rep", "amu")
REGULATION_POINTS = tuple("abcdef")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


@dataclass
class OptionData:
    id: str
    correct: bool
    text: dict[str, str] = field(default_factory=dict)


@dataclass
class QuestionData:
    id: str
    kind: str  # "check" or "final"
    module_id: str
    position: int
    text: dict[str, str] = field(default_factory=dict)
    explanation: dict[str, str] = field(default_factory=dict)
    options: list[OptionData] = field(default_factory=list)

    @property
    def multiple(self) -> bool:
        return sum(1 for o in self.options if o.correct) > 1


@dataclass
class LessonData:
    id: str
    position: int
    title: dict[str, str] = field(default_factory=dict)
    markdown: dict[str, str] = field(default_factory=dict)


@dataclass
class ModuleData:
    id: str
    position: int
    minutes: int
    covers: list[str]
    title: dict[str, str] = field(default_factory=dict)
    lessons: list[LessonData] = field(default_factory=list)
    words: dict[str, int] = field(default_factory=dict)
    check: list[QuestionData] = field(default_factory=list)
    final: list[QuestionData] = field(default_factory=list)


@dataclass
class CourseData:
    path: Path
    meta: dict[str, Any]
    modules: list[ModuleData]
    content_hash: str

    @property
    def slug(self) -> str:
        return self.meta["slug"]

    @property
    def languages(self) -> list[str]:
        return list(self.meta["languages"])

    def questions(self) -> list[QuestionData]:
        return [q for m in self.modules for q in (*m.check, *m.final)]


# ---------------------------------------------------------------- YAML with line numbers

def _line_map(node: yaml.Node, path: tuple = (), lines: dict | None = None) -> dict[tuple, int]:
    lines = {} if lines is None else lines
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = path + (key.value,)
            lines[child] = key.start_mark.line + 1
            _line_map(value, child, lines)
            lines[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _line_map(value, path + (index,), lines)
    return lines


def read_yaml(path: Path, rel: str, problems: list[Problem]) -> tuple[Any, dict[tuple, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(rel, None, "file is missing"))
        return None, {}
    except UnicodeDecodeError as exc:
        problems.append(Problem(rel, None, f"file is not UTF-8 text ({exc.reason})"))
        return None, {}
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(rel, mark.line + 1 if mark else None, f"YAML syntax error: {reason}"))
        return None, {}
    return data, (_line_map(node) if node is not None else {})


def _line_for(lines: dict[tuple, int], path: tuple) -> int | None:
    path = tuple(path)
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path)


def _schema_problems(data: Any, validator_schema: dict, rel: str, lines: dict) -> list[Problem]:
    validator = Draft202012Validator(validator_schema)
    found = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        found.append(Problem(rel, _line_for(lines, tuple(error.absolute_path)), f"{where}: {_plain(error)}"))
    return found


def _plain(error) -> str:
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "required":
        return error.message.replace("is a required property", "is required")
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field(s)")
    return error.message


# ---------------------------------------------------------------- course loading

def _content_hash(folder: Path) -> str:
    """The files of the course, and the version of the renderer that turns them into pages."""
    digest = hashlib.sha256(f"render:{RENDER_VERSION}\0".encode())
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_course(folder: Path, root: Path | None = None) -> tuple[CourseData | None, list[Problem]]:
    """Load one course folder. Returns the data (None when unusable) and every problem found."""
    root = root or folder.parent
    problems: list[Problem] = []

    def rel(path: Path) -> str:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return path.as_posix()

    course_file = folder / "course.yaml"
    meta, lines = read_yaml(course_file, rel(course_file), problems)
    if meta is None:
        return None, problems
    found = _schema_problems(meta, schema.COURSE, rel(course_file), lines)
    if found:
        return None, problems + found

    languages = meta["languages"]
    if meta["slug"] != folder.name:
        problems.append(Problem(rel(course_file), lines.get(("slug",)),
                                f"slug '{meta['slug']}' differs from the folder name '{folder.name}'"))
    for key in ("title", "summary", "legal_basis"):
        for language in languages:
            if language not in meta[key]:
                problems.append(Problem(rel(course_file), lines.get((key,)),
                                        f"{key} has no text in '{language}'"))
    for language in meta.get("free_languages", []):
        if language not in languages:
            problems.append(Problem(rel(course_file), lines.get(("free_languages",)),
                                    f"free language '{language}' is not one of the course languages"))
    seen_modules: set[str] = set()
    for index, module in enumerate(meta["modules"]):
        if module["id"] in seen_modules:
            problems.append(Problem(rel(course_file), lines.get(("modules", index, "id")),
                                    f"duplicate module id '{module['id']}'"))
        seen_modules.add(module["id"])
        if meta["audience"] in REGULATION_AUDIENCES and not module.get("covers"):
            problems.append(Problem(rel(course_file), lines.get(("modules", index)),
                                    f"module '{module['id']}' must say which points of § 3-18 it covers ('covers')"))
    if meta["audience"] in REGULATION_AUDIENCES:
        covered = {p for m in meta["modules"] for p in m.get("covers", [])}
        for point in REGULATION_POINTS:
            if point not in covered:
                problems.append(Problem(rel(course_file), lines.get(("modules",)),
                                        f"§ 3-18 point {point}) is not covered by any module"))

    modules = [ModuleData(id=m["id"], position=i + 1, minutes=m["minutes"], covers=list(m.get("covers", [])))
               for i, m in enumerate(meta["modules"])]
    expected_files = {f"{m.position:02d}-{m.id}.md" for m in modules}
    lesson_orders: dict[str, dict[str, list[str]]] = {}
    quiz_orders: dict[str, dict[str, QuizOrder]] = {}
    for language in languages:
        lang_dir = folder / language
        if not lang_dir.is_dir():
            problems.append(Problem(rel(lang_dir), None, f"language folder '{language}' is missing"))
            continue
        for path in sorted(lang_dir.glob("*.md")):
            if path.name not in expected_files:
                problems.append(Problem(rel(path), None,
                                        "module file not listed in course.yaml (name it NN-<module id>.md "
                                        "with the position and id from course.yaml)"))
        for module in modules:
            lesson_orders.setdefault(module.id, {})[language] = _load_module_language(
                folder, language, module, meta, problems, rel)
            quiz = _load_questions(folder, language, module, problems, rel)
            if quiz is not None:
                quiz_orders.setdefault(module.id, {})[language] = quiz
    for module in modules:
        _compare_languages(folder, module, languages, lesson_orders.get(module.id, {}),
                           quiz_orders.get(module.id, {}), problems, rel)

    all_ids: dict[str, str] = {}
    for module in modules:
        for question in (*module.check, *module.final):
            if question.id in all_ids and all_ids[question.id] != module.id + question.kind:
                problems.append(Problem(rel(folder / languages[0] / f"{module.position:02d}-{module.id}{QUIZ_SUFFIX}"),
                                        None, f"question id '{question.id}' is used more than once in the course"))
            all_ids[question.id] = module.id + question.kind
    bank = sum(len(m.final) for m in modules)
    if bank < meta["final_test_size"]:
        problems.append(Problem(rel(course_file), lines.get(("final_test_size",)),
                                f"final_test_size is {meta['final_test_size']} but the final-test bank has "
                                f"only {bank} questions"))
    if problems:
        return None, problems
    return CourseData(path=folder, meta=meta, modules=modules, content_hash=_content_hash(folder)), []


# kind -> [(question id, [(option id, correct)])], for comparing languages
QuizOrder = dict[str, list[tuple[str, list[tuple[str, bool]]]]]


def _load_module_language(folder, language, module: ModuleData, meta, problems, rel) -> list[str] | None:
    """Read one language of a module into ``module``; returns its lesson ids in order."""
    md_path = folder / language / f"{module.position:02d}-{module.id}.md"
    if not md_path.exists():
        problems.append(Problem(rel(md_path), None, f"module '{module.id}' has no '{language}' translation"))
        return None
    parsed = split_module(md_path.read_text(encoding="utf-8"))
    for line, message in parsed.problems:
        problems.append(Problem(rel(md_path), line, message))
    if parsed.title:
        module.title[language] = parsed.title
    module.words[language] = 0
    for index, lesson in enumerate(parsed.lessons):
        if language == meta["languages"][0]:
            module.lessons.append(LessonData(id=lesson.id, position=index + 1))
        target = next((item for item in module.lessons if item.id == lesson.id), None)
        if target is not None:
            target.title[language] = lesson.title
            target.markdown[language] = lesson.markdown
        module.words[language] += word_count(lesson.markdown)
        for alt, src in images_in(lesson.markdown):
            line = lesson.line + lesson.markdown[: lesson.markdown.find(src)].count("\n") + 1
            if not alt.strip():
                problems.append(Problem(rel(md_path), line, f"picture '{src}' has no description (alt text)"))
            if not src.startswith("images/") or ".." in src or not (folder / src).is_file():
                problems.append(Problem(rel(md_path), line, f"broken picture link '{src}' "
                                                            "(put the file in the course's images/ folder)"))
    return [lesson.id for lesson in parsed.lessons]


def _load_questions(folder, language, module: ModuleData, problems, rel) -> QuizOrder | None:
    """Read one language's questions of a module into ``module``; returns their ids for comparison."""
    path = folder / language / f"{module.position:02d}-{module.id}{QUIZ_SUFFIX}"
    data, lines = read_yaml(path, rel(path), problems)
    if data is None:
        if not path.exists():
            problems[-1] = Problem(rel(path), None, f"module '{module.id}' has no '{language}' question file")
        return None
    found = _schema_problems(data, schema.QUIZ, rel(path), lines)
    if found:
        problems.extend(found)
        return None
    first = not (module.check or module.final)
    order: QuizOrder = {}
    for kind in ("check", "final"):
        items = data.get(kind) or []
        order[kind] = [(q["id"], [(o["id"], bool(o.get("correct"))) for o in q["options"]]) for q in items]
        target_list = getattr(module, kind)
        for index, item in enumerate(items):
            where = _line_for(lines, (kind, index))
            option_ids = [o["id"] for o in item["options"]]
            if len(set(option_ids)) != len(option_ids):
                problems.append(Problem(rel(path), where, f"question '{item['id']}' repeats an option id"))
            if not any(o.get("correct") for o in item["options"]):
                problems.append(Problem(rel(path), where, f"question '{item['id']}' has no correct option"))
            if all(o.get("correct") for o in item["options"]):
                problems.append(Problem(rel(path), where, f"every option of question '{item['id']}' is correct"))
            if first:
                target_list.append(QuestionData(
                    id=item["id"], kind=kind, module_id=module.id, position=index + 1,
                    options=[OptionData(id=o["id"], correct=bool(o.get("correct"))) for o in item["options"]],
                ))
            question = next((q for q in target_list if q.id == item["id"]), None)
            if question is None:
                continue
            question.text[language] = item["question"].strip()
            question.explanation[language] = item["explanation"].strip()
            for option in item["options"]:
                target = next((o for o in question.options if o.id == option["id"]), None)
                if target is not None:
                    target.text[language] = option["text"].strip()
    return order


def _compare_languages(folder, module: ModuleData, languages, orders, quiz, problems, rel) -> None:
    source = languages[0]
    for language in languages[1:]:
        if orders.get(source) is not None and orders.get(language) is not None \
                and orders[language] != orders[source]:
            problems.append(Problem(rel(folder / language / f"{module.position:02d}-{module.id}.md"), None,
                                    f"lesson ids {orders[language]} differ from '{source}' {orders[source]}"))
    for language in languages[1:]:
        if source not in quiz or language not in quiz:
            continue
        path = rel(folder / language / f"{module.position:02d}-{module.id}{QUIZ_SUFFIX}")
        for kind in ("check", "final"):
            mine, theirs = quiz[language][kind], quiz[source][kind]
            if [q for q, _ in mine] != [q for q, _ in theirs]:
                missing = sorted({q for q, _ in theirs} - {q for q, _ in mine})
                extra = sorted({q for q, _ in mine} - {q for q, _ in theirs})
                detail = []
                if missing:
                    detail.append(f"missing {', '.join(missing)}")
                if extra:
                    detail.append(f"not in '{source}': {', '.join(extra)}")
                problems.append(Problem(path, None, f"{kind} question ids differ from '{source}'"
                                        + (f" ({'; '.join(detail)})" if detail else " (order)")))
                continue
            for (qid, options), (_, source_options) in zip(mine, theirs, strict=True):
                if options != source_options:
                    problems.append(Problem(path, None, f"question '{qid}': options or correct answers "
                                                        f"differ from '{source}'"))


def load_library(root: Path) -> tuple[list[CourseData], list[Problem]]:
    """Every course folder under root."""
    courses: list[CourseData] = []
    problems: list[Problem] = []
    if not root.is_dir():
        return [], [Problem(str(root), None, "the courses folder does not exist")]
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        course, found = load_course(folder, root)
        problems.extend(found)
        if course is not None:
            courses.append(course)
    return courses, problems
