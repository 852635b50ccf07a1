"""The loader: valid courses load, and each kind of content error is reported with file and line."""

import shutil

import yaml

from lms.content.loader import load_course, load_library
from lms.content.markdown import render_lesson, split_module, word_count
from tests.coursefactory import edit, write_course


def problems_of(root, slug="test-kurs"):
    course, problems = load_course(root / slug, root)
    return course, [str(p) for p in problems]


def test_a_valid_course_loads(tmp_path):
    write_course(tmp_path)
    course, problems = problems_of(tmp_path)
    assert problems == []
    assert course.slug == "test-kurs"
    assert [m.id for m in course.modules] == ["modul-1", "modul-2"]
    assert [lesson.id for lesson in course.modules[0].lessons] == ["leksjon-1", "leksjon-2"]
    assert course.modules[0].title == {"nb": "Modul 1 (nb)", "en": "Modul 1 (en)", "uk": "Modul 1 (uk)"}
    final = course.modules[0].final[0]
    assert final.multiple and {o.id for o in final.options if o.correct} == {"a", "b"}
    assert set(final.text) == {"nb", "en", "uk"}
    assert len(course.content_hash) == 64


def test_missing_translation_of_a_module(tmp_path):
    folder = write_course(tmp_path)
    (folder / "uk" / "02-modul-2.md").unlink()
    _, problems = problems_of(tmp_path)
    assert "test-kurs/uk/02-modul-2.md: module 'modul-2' has no 'uk' translation" in problems


def test_question_in_nb_but_not_in_uk(tmp_path):
    folder = write_course(tmp_path)
    edit(folder / "uk" / "01-modul-1.quiz.yaml", "id: modul-1-c2", "id: modul-1-c9")
    _, problems = problems_of(tmp_path)
    assert any("uk/01-modul-1.quiz.yaml" in p and "check question ids differ from 'nb'" in p
               and "missing modul-1-c2" in p and "modul-1-c9" in p for p in problems), problems


def test_correct_answers_must_agree_between_languages(tmp_path):
    folder = write_course(tmp_path)
    path = folder / "en" / "01-modul-1.quiz.yaml"
    text = path.read_text()
    path.write_text(text.replace("correct: true", "correct: false", 1))
    _, problems = problems_of(tmp_path)
    assert any("en/01-modul-1.quiz.yaml" in p and "options or correct answers differ" in p for p in problems)


def test_unknown_audience_points_to_the_line(tmp_path):
    folder = write_course(tmp_path)
    edit(folder / "course.yaml", "audience: employee", "audience: janitor")
    _, problems = problems_of(tmp_path)
    assert problems == ["test-kurs/course.yaml:3: audience: 'janitor' is not one of leader, safety_rep, amu, employee"]


def test_broken_image_link_and_missing_alt_text(tmp_path):
    folder = write_course(tmp_path)
    edit(folder / "nb" / "01-modul-1.md", "Arbeidsgiveren har", "![](images/missing.svg)\n\nArbeidsgiveren har")
    _, problems = problems_of(tmp_path)
    assert any("nb/01-modul-1.md:" in p and "broken picture link 'images/missing.svg'" in p for p in problems)
    assert any("picture 'images/missing.svg' has no description" in p for p in problems)


def test_an_image_that_exists_renders_under_the_course_media_url(tmp_path):
    folder = write_course(tmp_path)
    (folder / "images").mkdir()
    (folder / "images" / "stige.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    edit(folder / "nb" / "01-modul-1.md", "Arbeidsgiveren har", "![En stige mot en vegg](images/stige.svg)\n\nArbeidsgiveren har")
    course, problems = problems_of(tmp_path)
    assert problems == []
    html = render_lesson(course.modules[0].lessons[0].markdown["nb"], "/courses/test-kurs/media", {})
    assert '<img loading="lazy" src="/courses/test-kurs/media/stige.svg" alt="En stige mot en vegg"' in html


def test_duplicate_ids(tmp_path):
    folder = write_course(tmp_path)
    edit(folder / "course.yaml", "- id: modul-2", "- id: modul-1")
    _, problems = problems_of(tmp_path)
    assert any("course.yaml:" in p and "duplicate module id 'modul-1'" in p for p in problems)
    folder = write_course(tmp_path, "kurs-to")
    edit(folder / "nb" / "01-modul-1.md", "{#leksjon-2}", "{#leksjon-1}")
    _, problems = problems_of(tmp_path, "kurs-to")
    assert any("nb/01-modul-1.md:" in p and "duplicate lesson id 'leksjon-1'" in p for p in problems)
    folder = write_course(tmp_path, "kurs-tre")
    for language in ("nb", "en", "uk"):
        edit(folder / language / "02-modul-2.quiz.yaml", "id: modul-2-c1", "id: modul-1-c1")
    _, problems = problems_of(tmp_path, "kurs-tre")
    assert any("question id 'modul-1-c1' is used more than once" in p for p in problems)


def test_lesson_ids_must_match_across_languages(tmp_path):
    folder = write_course(tmp_path)
    edit(folder / "en" / "02-modul-2.md", "{#leksjon-2}", "{#lesson-two}")
    _, problems = problems_of(tmp_path)
    assert any("en/02-modul-2.md" in p and "lesson ids" in p and "differ from 'nb'" in p for p in problems)


def test_yaml_syntax_error_has_a_line(tmp_path):
    folder = write_course(tmp_path)
    path = folder / "nb" / "01-modul-1.quiz.yaml"
    lines = path.read_text().splitlines()
    lines[3] = lines[3] + ' "unclosed'
    path.write_text("\n".join(lines))
    _, problems = problems_of(tmp_path)
    assert any(p.startswith("test-kurs/nb/01-modul-1.quiz.yaml:") and "YAML syntax error" in p for p in problems)


def test_safety_rep_courses_must_map_every_regulation_point(tmp_path):
    folder = write_course(tmp_path, audience="safety_rep")
    assert problems_of(tmp_path)[1] == []
    edit(folder / "course.yaml", "  - f\n", "")
    edit(folder / "course.yaml", "  - f\n", "")
    _, problems = problems_of(tmp_path)
    assert any("§ 3-18 point f) is not covered by any module" in p for p in problems)


def test_question_without_correct_option_or_explanation(tmp_path):
    folder = write_course(tmp_path)
    path = folder / "nb" / "01-modul-1.quiz.yaml"
    data = yaml.safe_load(path.read_text())
    data["check"][0]["options"][0].pop("correct")
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    path = folder / "nb" / "02-modul-2.quiz.yaml"
    data = yaml.safe_load(path.read_text())
    data["check"][1]["explanation"] = ""
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    _, problems = problems_of(tmp_path)
    assert any("question 'modul-1-c1' has no correct option" in p for p in problems)
    assert any("nb/02-modul-2.quiz.yaml:" in p and "check/1/explanation" in p for p in problems), problems


def test_all_problems_are_reported_at_once(tmp_path, app):
    folder = write_course(tmp_path)
    (folder / "uk" / "02-modul-2.md").unlink()
    edit(folder / "en" / "01-modul-1.md", "{#leksjon-1}", "{#annen}")
    write_course(tmp_path, "andre-kurs", meta={"final_test_size": 50})
    result = app.test_cli_runner().invoke(args=["courses", "check", "--path", str(tmp_path)])
    assert result.exit_code == 1
    assert "no 'uk' translation" in result.output
    assert "lesson ids" in result.output
    assert "final_test_size is 50 but the final-test bank has only 6 questions" in result.output
    assert "problem(s) found" in result.output


def test_markdown_is_sanitized_and_callouts_render(tmp_path):
    text = ("Tekst med <script>alert(1)</script> og [lenke](javascript:alert(1)).\n\n"
            "::: remember\nHusk dette.\n:::\n\n::: warning Pass på\nFarlig.\n:::\n\n## Ikke en leksjon\n")
    html = render_lesson(text, "/m", {"remember": "Husk", "warning": "Vær obs"})
    assert "<script" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert '<aside class="callout callout-remember" role="note" aria-label="Husk">' in html
    assert '<p class="callout-title">Pass på</p>' in html
    assert "<h3>Ikke en leksjon</h3>" in html


def test_module_structure_problems_carry_lines():
    parsed = split_module("Intro\n# Tittel\n## Uten id\n## Ok {#ok}\n::: unknown\nx\n")
    assert (3, "a lesson heading needs a stable id: '## Title {#lesson-id}'") in parsed.problems
    assert any(line == 5 and "unknown call-out box '::: unknown'" in m for line, m in parsed.problems)
    assert (5, "call-out box is not closed with ':::'") in parsed.problems


def test_word_count_leaves_out_markup():
    assert word_count("## Tittel {#id}\n\n::: law § 3-1\nTo ord.\n:::\n\n[lenke](http://x.no) her") == 5


def test_the_library_loads_without_problems():
    from pathlib import Path

    courses, problems = load_library(Path(__file__).resolve().parents[2] / "courses")
    assert [str(p) for p in problems] == []
    assert len(courses) == 4


def test_missing_course_folder_is_a_problem(tmp_path):
    shutil.rmtree(tmp_path)
    _, problems = load_library(tmp_path)
    assert "does not exist" in str(problems[0])
