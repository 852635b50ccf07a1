"""The course library: four courses, complete in nb, en and uk, and up to the editorial rules."""

from pathlib import Path

import pytest

from lms.content.loader import load_course, load_library
from lms.content.policy import MIN_WORDS, library_problems
from tests.coursefactory import write_course

LIBRARY = Path(__file__).resolve().parents[2] / "courses"


@pytest.fixture(scope="module")
def library():
    courses, problems = load_library(LIBRARY)
    assert [str(p) for p in problems] == []
    return {course.slug: course for course in courses}


def test_the_four_courses_are_there(library):
    assert set(library) == {"hms-for-ledere", "hms-for-verneombud", "hms-for-amu", "hms-for-arbeidstakere"}
    assert {c.meta["audience"] for c in library.values()} == {"leader", "safety_rep", "amu", "employee"}


def test_every_course_follows_the_editorial_rules(library):
    problems = [str(p) for course in library.values() for p in library_problems(course)]
    assert problems == []


def test_every_module_has_enough_words_in_every_language(library):
    for course in library.values():
        for module in course.modules:
            for language in ("nb", "en", "uk"):
                assert module.words[language] >= MIN_WORDS, (course.slug, module.id, language)


def test_questions_have_explanations_and_correct_options_in_every_language(library):
    for course in library.values():
        for question in course.questions():
            assert any(o.correct for o in question.options), question.id
            for language in ("nb", "en", "uk"):
                assert question.explanation.get(language), (question.id, language)
                assert question.text.get(language), (question.id, language)
                assert all(o.text.get(language) for o in question.options), (question.id, language)


def test_safety_rep_and_committee_courses_map_every_regulation_point(library):
    for slug in ("hms-for-verneombud", "hms-for-amu"):
        covered = {point for module in library[slug].modules for point in module.covers}
        assert covered == set("abcdef"), slug


def test_the_ukrainian_employee_course_is_free_and_the_others_are_priced(library):
    employees = library["hms-for-arbeidstakere"].meta
    assert employees["free_languages"] == ["uk"] and employees["price_ore"] > 0
    assert 100_000 <= library["hms-for-ledere"].meta["price_ore"] <= 400_000
    for slug in ("hms-for-verneombud", "hms-for-amu"):
        assert library[slug].meta["price_ore"] >= 500_000


def test_the_rules_catch_a_course_that_breaks_them(tmp_path):
    folder = write_course(tmp_path, modules=2, checks=2, finals=3, languages=("nb", "en"))
    course, problems = load_course(folder, tmp_path)
    assert problems == []
    found = [str(p) for p in library_problems(course)]
    assert any("at least 6 modules" in p for p in found)
    assert any("final-test bank needs at least 30" in p for p in found)
    assert any("module check needs at least 5" in p for p in found)
    assert any("needs every course in 'uk'" in p for p in found)
    assert any(f"a module needs at least {MIN_WORDS}" in p for p in found)
