"""Checks and tools for the gettext catalogs."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def _placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def catalog_problems(locales: Path, languages: tuple[str, ...]) -> list[str]:
    problems: list[str] = []
    for language in languages:
        path = locales / language / "LC_MESSAGES" / "messages.po"
        if not path.exists():
            problems.append(f"{path}: missing")
            continue
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=language)
        if language == "uk" and catalog.num_plurals != 3:
            problems.append(f"{path}: Ukrainian needs 3 plural forms, has {catalog.num_plurals}")
        for message in catalog:
            if not message.id:
                continue
            where = f"{path.name} [{language}] {message.id!r}"
            if message.fuzzy:
                problems.append(f"{where}: fuzzy")
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings) or (message.pluralizable and len(strings) < catalog.num_plurals):
                problems.append(f"{where}: untranslated")
                continue
            expected = set().union(*(_placeholders(i) for i in ids))
            for string in strings:
                found = _placeholders(string)
                # A plural form may leave out the count ("one" written as a word) but may not
                # add or rename placeholders.
                if found - expected or (not message.pluralizable and found != expected):
                    problems.append(f"{where}: placeholders {sorted(found)} differ from {sorted(expected)}")
    return problems


def fill_english(path: Path) -> None:
    """English is the source language: copy each msgid into its empty msgstr."""
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string or ()):
                message.string = (message.id[0], message.id[1])
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100)
