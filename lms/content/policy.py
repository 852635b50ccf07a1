"""The library's editorial rules, beyond what the loader needs to work."""

from __future__ import annotations

from lms.content.loader import CourseData, Problem

MIN_WORDS = 700
MIN_MODULES = 6
MIN_CHECK_QUESTIONS = 5
MIN_FINAL_BANK = 30


def library_problems(course: CourseData) -> list[Problem]:
    problems: list[Problem] = []
    where = f"{course.slug}/course.yaml"
    if len(course.modules) < MIN_MODULES:
        problems.append(Problem(where, None, f"a course needs at least {MIN_MODULES} modules, has {len(course.modules)}"))
    bank = sum(len(m.final) for m in course.modules)
    if bank < MIN_FINAL_BANK:
        problems.append(Problem(where, None, f"the final-test bank needs at least {MIN_FINAL_BANK} questions, has {bank}"))
    for module in course.modules:
        for language in course.languages:
            words = module.words.get(language, 0)
            if words < MIN_WORDS:
                problems.append(Problem(f"{course.slug}/{language}/{module.position:02d}-{module.id}.md", None,
                                        f"{words} words; a module needs at least {MIN_WORDS}"))
        if len(module.check) < MIN_CHECK_QUESTIONS:
            problems.append(Problem(f"{course.slug}/{course.languages[0]}/{module.position:02d}-{module.id}.quiz.yaml",
                                    None, f"the module check needs at least {MIN_CHECK_QUESTIONS} questions, "
                                          f"has {len(module.check)}"))
    for language in ("nb", "en", "uk"):
        if language not in course.languages:
            problems.append(Problem(where, None, f"the library needs every course in '{language}'"))
    return problems
