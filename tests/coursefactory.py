"""Write small but complete courses to a folder, for loader, sync and learning tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

LESSON_TEXT = {
    "nb": "Arbeidsgiveren har ansvaret for at arbeidsmiljøet er fullt forsvarlig.\n\n"
          "::: law Arbeidsmiljøloven § 3-1\nArbeidsgiveren skal sørge for systematisk HMS-arbeid.\n:::\n\n"
          "| Risiko | Tiltak |\n|---|---|\n| Fall | Rekkverk |\n",
    "en": "The employer is responsible for a fully sound working environment.\n\n"
          "::: law Working Environment Act section 3-1\nThe employer shall ensure systematic HSE work.\n:::\n",
    "uk": "Роботодавець відповідає за цілком безпечне робоче середовище.\n\n"
          "::: law Закон про робоче середовище, § 3-1\nРоботодавець забезпечує систематичну роботу з HMS.\n:::\n",
}


def question(qid: str, language: str, correct: tuple[str, ...] = ("a",)) -> dict[str, Any]:
    return {
        "id": qid,
        "question": f"[{language}] Question {qid}?",
        "options": [{"id": o, "text": f"[{language}] option {o} of {qid}", **({"correct": True} if o in correct else {})}
                    for o in ("a", "b", "c")],
        "explanation": f"[{language}] Because {qid}.",
    }


def write_course(root: Path, slug: str = "test-kurs", *, languages=("nb", "en", "uk"), modules: int = 2,
                 lessons: int = 2, checks: int = 2, finals: int = 3, meta: dict | None = None,
                 audience: str = "employee", multiple: bool = True) -> Path:
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    module_ids = [f"modul-{i + 1}" for i in range(modules)]
    data = {
        "slug": slug, "version": "2026.1", "audience": audience, "hours": 1.5, "minimum_minutes": 10,
        "pass_mark": 60, "attempt_limit": 2, "cooldown_hours": 1, "final_test_size": 3, "price_ore": 0,
        "languages": list(languages),
        "title": {lang: f"Testkurs ({lang})" for lang in languages},
        "summary": {lang: f"Sammendrag ({lang})" for lang in languages},
        "legal_basis": {lang: "Internkontrollforskriften § 5" for lang in languages},
        "modules": [{"id": mid, "minutes": 10, **({"covers": list("abcdef")} if audience in ("safety_rep", "amu") else {})}
                    for mid in module_ids],
    }
    data.update(meta or {})
    (folder / "course.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for language in languages:
        lang_dir = folder / language
        lang_dir.mkdir(exist_ok=True)
        for position, mid in enumerate(module_ids, start=1):
            parts = [f"# Modul {position} ({language})\n"]
            for lesson in range(1, lessons + 1):
                parts.append(f"## Leksjon {lesson} ({language}) {{#leksjon-{lesson}}}\n\n{LESSON_TEXT[language]}\n")
            (lang_dir / f"{position:02d}-{mid}.md").write_text("\n".join(parts), encoding="utf-8")
            quiz = {
                "check": [question(f"{mid}-c{n}", language) for n in range(1, checks + 1)],
                "final": [question(f"{mid}-f{n}", language, ("a", "b") if multiple and n == 1 else ("a",))
                          for n in range(1, finals + 1)],
            }
            (lang_dir / f"{position:02d}-{mid}.quiz.yaml").write_text(
                yaml.safe_dump(quiz, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
