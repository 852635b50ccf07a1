"""The course certificate (kursbevis) as a one-page A4 PDF.

``render_certificate`` is a pure function of the certificate's frozen snapshot: no Flask, no
database, so it can run in a request, a CLI command or a ZIP export alike. The certificate is
always in Norwegian (bokmål); when the learner took the course in English or Ukrainian, every
label and field also appears in that language, beside or below the Norwegian in a lighter style.

The page is laid out by hand on a reportlab canvas (no platypus), which is several times
faster: the body is composed at a scale factor, measured, and composed again at the largest
scale that fits above the footer, so a long name, eight topics, the six § 3-18 points and
Ukrainian text still give one page, and a short certificate does not look empty.

Speed (a warm render is a few milliseconds of CPU) comes from three things done once per
process: the fonts are registered once, and the embedded font subsets are built and compressed
once (_SharedSubsetFont: every certificate's subset starts from the same seed characters);
text widths are cached. The QR code is encoded by reportlab's QrCodeWidget, with a faster
choice of mask (qr_modules).
"""

from __future__ import annotations

import functools
import io
import itertools
import re
import threading
import zlib
from collections import OrderedDict
from datetime import date
from pathlib import Path
from typing import Any

from babel import Locale, dates, numbers
from reportlab import rl_config
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.barcode.qrencoder import EXP_TABLE, LOG_TABLE, QRBitBuffer, QRRSBlock, QRUtil
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.ttfonts import (
    FF_NONSYMBOLIC, FF_SYMBOLIC, SUBSETN, TTFont, makeToUnicodeCMap,
)
from reportlab.pdfgen.canvas import Canvas

__all__ = ["LABELS", "render_certificate", "sample_snapshot"]

LANGUAGES = ("nb", "en", "uk")
PRIMARY = "nb"

# --------------------------------------------------------------------------------------------
# Every fixed text on the certificate, keyed by label name: {"nb": ..., "en": ..., "uk": ...}.
# Placeholders are filled with str.format after the text is picked. "hours" is a plural table
# keyed by CLDR plural category (Babel's Locale.plural_form).
# --------------------------------------------------------------------------------------------
LABELS: dict[str, dict[str, Any]] = {
    "title": {"nb": "Kursbevis", "en": "Course certificate", "uk": "Свідоцтво про проходження курсу"},
    "certify": {"nb": "Dette bekrefter at", "en": "This is to certify that", "uk": "Цим засвідчується, що"},
    "passed": {
        "nb": "har gjennomført og bestått kurset",
        "en": "has completed and passed the course",
        "uk": "успішно завершив(-ла) курс",
    },
    "course_version": {"nb": "Kursversjon {version}", "en": "Course version {version}", "uk": "Версія курсу {version}"},
    "completed_on": {"nb": "Fullført", "en": "Completed", "uk": "Дата завершення"},
    "final_test": {"nb": "Avsluttende test", "en": "Final test", "uk": "Підсумковий тест"},
    "test_passed_on": {"nb": "Bestått {date}", "en": "Passed on {date}", "uk": "Складено {date}"},
    "nominal_hours": {"nb": "Nominell varighet", "en": "Nominal duration", "uk": "Номінальна тривалість"},
    "learning_time": {"nb": "Logget læringstid", "en": "Logged learning time", "uk": "Зафіксований час навчання"},
    "valid_until": {"nb": "Gyldig til", "en": "Valid until", "uk": "Дійсне до"},
    "role": {"nb": "Rolle", "en": "Role", "uk": "Роль"},
    "legal_basis": {"nb": "Lovgrunnlag", "en": "Legal basis", "uk": "Правова підстава"},
    "delivery": {"nb": "Opplæringsform", "en": "Form of training", "uk": "Форма навчання"},
    "delivery_value": {
        "nb": "E-læring med avsluttende test",
        "en": "E-learning with final test",
        "uk": "Електронне навчання з підсумковим тестом",
    },
    "topics": {"nb": "Gjennomgåtte emner", "en": "Topics covered", "uk": "Опрацьовані теми"},
    "points": {
        "nb": "Innhold etter forskrift om organisering, ledelse og medvirkning § 3-18",
        "en": "Content required by section 3-18 of the Regulations concerning Organisation, "
              "Management and Employee Participation",
        "uk": "Зміст відповідно до § 3-18 Положення про організацію, управління та участь працівників",
    },
    "issued_by": {"nb": "Utstedt av", "en": "Issued by", "uk": "Видавець свідоцтва"},
    "org_nr": {"nb": "Org.nr.", "en": "Organisation number", "uk": "Реєстраційний номер"},
    "serial": {"nb": "Serienummer", "en": "Serial number", "uk": "Серійний номер"},
    "verification_code": {"nb": "Verifiseringskode", "en": "Verification code", "uk": "Код перевірки"},
    "verify": {"nb": "Kontroller ektheten", "en": "Verify this certificate", "uk": "Перевірте справжність"},
    "verify_hint": {
        "nb": "Skann QR-koden eller gå til",
        "en": "Scan the QR code or go to",
        "uk": "Відскануйте QR-код або відкрийте",
    },
    "hours": {
        "nb": {"one": "{n} time", "other": "{n} timer"},
        "en": {"one": "{n} hour", "other": "{n} hours"},
        "uk": {"one": "{n} година", "few": "{n} години", "many": "{n} годин", "other": "{n} години"},
    },
    "duration_hm": {"nb": "{h} t {m} min", "en": "{h} h {m} min", "uk": "{h} год {m} хв"},
    "duration_m": {"nb": "{m} min", "en": "{m} min", "uk": "{m} хв"},
    "audience.leader": {"nb": "Arbeidsgiver og leder", "en": "Employer and manager", "uk": "Роботодавець і керівник"},
    "audience.safety_rep": {
        "nb": "Verneombud",
        "en": "Safety representative (verneombud)",
        "uk": "Представник з охорони праці (verneombud)",
    },
    "audience.amu": {
        "nb": "Medlem av arbeidsmiljøutvalg (AMU)",
        "en": "Member of the working environment committee (AMU)",
        "uk": "Член комітету з робочого середовища (AMU)",
    },
    "audience.employee": {"nb": "Arbeidstaker", "en": "Employee", "uk": "Працівник"},
    # Forskrift om organisering, ledelse og medvirkning § 3-18 a–f, in short.
    "point.a": {
        "nb": "Hva et fullt forsvarlig arbeidsmiljø er, og rollene til arbeidsgiver, arbeidstakere, "
              "AMU, verneombud, bedriftshelsetjeneste og Arbeidstilsynet",
        "en": "What a fully sound working environment is, and the roles of the employer, employees, "
              "AMU, verneombud, the occupational health service (BHT) and Arbeidstilsynet",
        "uk": "Що таке повністю належне робоче середовище; ролі роботодавця, працівників, AMU, "
              "verneombud, служби охорони здоров'я на підприємстві (BHT) та Arbeidstilsynet",
    },
    "point.b": {
        "nb": "Kontinuerlig HMS-arbeid med bred medvirkning, dokumentasjon og systematisk tilnærming",
        "en": "Continuous HSE work with broad participation, documentation and a systematic approach",
        "uk": "Постійна робота з охорони праці на основі широкої участі, документування та системного підходу",
    },
    "point.c": {
        "nb": "Enkel risikovurdering av fysiske, psykososiale og organisatoriske forhold",
        "en": "Simple risk assessment of physical, psychosocial and organisational factors",
        "uk": "Проста оцінка ризиків: фізичні, психосоціальні та організаційні чинники",
    },
    "point.d": {
        "nb": "Forhold som fremmer eller hemmer et godt psykososialt og organisatorisk arbeidsmiljø",
        "en": "Factors that help or hinder a good psychosocial and organisational environment",
        "uk": "Чинники, що сприяють доброму психосоціальному та організаційному середовищу або заважають йому",
    },
    "point.e": {
        "nb": "De viktigste fysiske faktorene: ergonomi, støy og inneklima",
        "en": "The main physical factors: ergonomics, noise and indoor climate",
        "uk": "Основні фізичні чинники: ергономіка, шум і мікроклімат у приміщенні",
    },
    "point.f": {
        "nb": "Innføring i arbeidsmiljøloven og annet relevant regelverk",
        "en": "Introduction to the Working Environment Act and other relevant rules",
        "uk": "Вступ до Закону про робоче середовище (arbeidsmiljøloven) та інших чинних правил",
    },
}

REGULATION_POINTS = ("a", "b", "c", "d", "e", "f")

_BABEL_LOCALES = {"nb": Locale.parse("nb_NO"), "en": Locale.parse("en_GB"), "uk": Locale.parse("uk_UA")}

# --------------------------------------------------------------------------------------------
# Fonts: DejaVu Sans, shipped in fonts/ with its licence, registered once per process and
# embedded as a subset (names like "AAAAAA+DejaVuSans").
# --------------------------------------------------------------------------------------------
FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
_fonts_lock = threading.Lock()
_fonts_ready = False

# Every document's subsets start with these characters, in this order, so that certificates
# share their subsets and _SharedSubsetFont can reuse the built font programs. Characters
# outside them (a rare letter in a name) are appended and give a subset of their own.
SEED_LATIN = "".join(map(chr, range(32, 127))) + "ÆØÅæøåÉéÈèÊêËëÜüÖöÄäÁáÍíÓóÚúÑñÇçß–—·§‘’“”«»…\u202f"
SEED_CYRILLIC = "АБВГҐДЕЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЬЮЯабвгґдеєжзиіїйклмнопрстуфхцчшщьюяʼ№"
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_SUBSET_CACHE_SIZE = 32


def _flate_stream(compressed: bytes) -> pdfdoc.PDFStream:
    """A stream whose content is already Flate-compressed (reportlab then leaves it alone)."""
    stream = pdfdoc.PDFStream(content=compressed)
    stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
    return stream


class _SharedSubsetFont(TTFont):
    """A TTFont whose embedded subsets are built and compressed once per process.

    At save time reportlab rebuilds every subset from the glyph tables, formats its widths and
    ToUnicode map and compresses all of it: about half of the time a certificate took. Here
    those parts are kept per distinct subset (a small LRU) and written as they are. The PDF
    objects are the ones TTFont.addObjects and TTFontFace.addSubsetObjects write.
    """

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename)
        self._parts: OrderedDict[tuple, tuple[bytes, bytes, bytes, int]] = OrderedDict()
        self._parts_lock = threading.Lock()

    def _subset_parts(self, base_name: str, subset: list[int]) -> tuple[bytes, bytes, bytes, int]:
        key = (base_name, tuple(subset))
        with self._parts_lock:
            parts = self._parts.get(key)
            if parts is not None:
                self._parts.move_to_end(key)
                return parts
        face = self.face
        program = face.makeSubset(subset)
        widths = ("[ " + " ".join(fp_str(face.getCharWidth(code)) for code in subset) + " ]").encode()
        cmap = makeToUnicodeCMap(base_name, subset).encode("latin-1")
        parts = (widths, zlib.compress(cmap), zlib.compress(program), len(program))
        with self._parts_lock:
            self._parts[key] = parts
            while len(self._parts) > _SUBSET_CACHE_SIZE:
                self._parts.popitem(last=False)
        return parts

    def addObjects(self, doc: pdfdoc.PDFDocument) -> None:
        if not doc.compression:
            return super().addObjects(doc)
        state = self._assignState(doc)
        state.frozen = 1
        face = self.face
        flags = (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC
        for n, subset in enumerate(state.subsets):
            internal_name = self.getSubsetInternalName(n, doc)[1:]
            base_name = b"".join((SUBSETN(n), b"+", face.name, face.subfontNameX)).decode("pdfdoc")
            widths, cmap, program, length1 = self._subset_parts(base_name, subset)
            font_file = _flate_stream(program)
            font_file.dictionary["Length1"] = length1
            descriptor = pdfdoc.PDFDictionary({
                "Type": "/FontDescriptor",
                "Ascent": face.ascent,
                "CapHeight": face.capHeight,
                "Descent": face.descent,
                "Flags": flags,
                "FontBBox": pdfdoc.PDFArray(face.bbox),
                "FontName": pdfdoc.PDFName(base_name),
                "ItalicAngle": face.italicAngle,
                "StemV": face.stemV,
                "FontFile2": doc.Reference(font_file, f"fontFile:{face.filename}({base_name})"),
                "MissingWidth": face.defaultWidth,
            })
            font = pdfdoc.PDFTrueTypeFont()
            font.Name = internal_name
            font.BaseFont = base_name
            font.FirstChar = 0
            font.LastChar = len(subset) - 1
            font.Widths = widths                    # bytes are written as they are
            font.ToUnicode = doc.Reference(_flate_stream(cmap), "toUnicodeCMap:" + base_name)
            font.FontDescriptor = doc.Reference(descriptor, "fontDescriptor:" + base_name)
            doc.Reference(font, internal_name)
            doc.idToObject["BasicFonts"].dict[internal_name] = font
        del self.state[doc]


def register_fonts() -> None:
    """Register the certificate fonts with reportlab once per process; cheap to call again."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if not _fonts_ready:
            pdfmetrics.registerFont(_SharedSubsetFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
            pdfmetrics.registerFont(_SharedSubsetFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
            # reportlab wraps compressed page streams in ASCII85 by default: a quarter bigger
            # and slower, of no use in 8-bit-clean PDF files. This setting is process-wide.
            rl_config.useA85 = 0
            _fonts_ready = True


_seeded: dict[tuple[str, bool], tuple[list, re.Pattern[str], dict[int, str]]] = {}


def _seed_fonts(c: Canvas, cyrillic: bool) -> dict[str, tuple[re.Pattern[str], dict[int, str]] | None]:
    """Assign the seed characters to both fonts before anything is drawn.

    Returns per font what _draw_text needs to encode a line of seed characters itself: a
    pattern that finds any other character, and a str.translate table to the subset codes.
    The assignment is the same in every document; it is checked each time (None: not usable).
    """
    seed = SEED_LATIN + (SEED_CYRILLIC if cyrillic else "")
    encoders: dict[str, tuple[re.Pattern[str], dict[int, str]] | None] = {}
    for name in (REGULAR, BOLD):
        parts = pdfmetrics.getFont(name).splitString(seed, c._doc)
        known = _seeded.get((name, cyrillic))
        if known is None:
            table: dict[int, str] = {}
            if len(parts) == 1 and parts[0][0] == 0 and len(parts[0][1]) == len(seed):
                table = {ord(ch): chr(code) for ch, code in zip(seed, parts[0][1])}
                table[0xA0] = table[0x20]                   # reportlab draws a no-break space as a space
            others = re.compile("[^" + re.escape(seed) + "\u00a0]")
            known = _seeded[(name, cyrillic)] = (parts, others, table)
        encoders[name] = (known[1], known[2]) if known[2] and parts == known[0] else None
    return encoders


# --------------------------------------------------------------------------------------------
# Page geometry and colours (points; A4 is 595.3 x 841.9).
# --------------------------------------------------------------------------------------------
PAGE_W, PAGE_H = A4
MARGIN_X = 64.0
TOP = PAGE_H - 64.0           # top of the first line of text
BOTTOM = 54.0                 # bottom of the footer
CONTENT_W = PAGE_W - 2 * MARGIN_X
MIN_SCALE = 0.55              # the body never shrinks below this...
MAX_SCALE = 1.15              # ...and grows up to this when the page would look empty
QR_SIZE = 74.0

BRAND = HexColor("#0b5c4a")
INK = HexColor("#1d2624")
MUTED = HexColor("#65736e")   # the second language
HAIRLINE = HexColor("#c5d6d0")

_ASCENT = 0.76                # baseline below the top of a line box, as a share of the size
MIN_SIZE = 5.5                # no text smaller than this, however much there is


def _sz(points: float, s: float) -> float:
    """A font size at scale s, never below MIN_SIZE."""
    return max(MIN_SIZE, points * s)


# --------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------
def _text(key: str, language: str, **values: Any) -> str:
    text = LABELS[key][language]
    return text.format(**values) if values else text


def _pick(texts: dict[str, str] | str | None, language: str) -> str:
    """The text in the language, else Norwegian, else any (as lms.content.models.pick)."""
    if not texts:
        return ""
    if isinstance(texts, str):
        return texts
    if language in texts:
        return texts[language]
    if PRIMARY in texts:
        return texts[PRIMARY]
    return next(iter(texts.values()))


def _format_date(value: str | date | None, language: str) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return dates.format_date(value, "long", locale=_BABEL_LOCALES[language])


def _format_hours(hours: float, language: str) -> str:
    locale = _BABEL_LOCALES[language]
    n = numbers.format_decimal(hours, format="#,##0.#", locale=locale)
    forms = LABELS["hours"][language]
    category = locale.plural_form(int(hours) if float(hours).is_integer() else hours)
    return forms.get(category, forms["other"]).format(n=n)


def _format_minutes(minutes: int, language: str) -> str:
    h, m = divmod(max(int(minutes or 0), 0), 60)
    return _text("duration_hm", language, h=h, m=m) if h else _text("duration_m", language, m=m)


def _format_percent(score: int, language: str) -> str:
    return numbers.format_percent(score / 100, locale=_BABEL_LOCALES[language])


def _format_orgnr(orgnr: Any) -> str:
    digits = "".join(ch for ch in str(orgnr or "") if ch.isdigit())
    if len(digits) == 9:
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    return str(orgnr or "")


# --------------------------------------------------------------------------------------------
# Measuring and wrapping. DejaVu has no kerning in reportlab, so a width is the sum of its
# glyph widths: widths are cached per (text, font) at size 1000 and scaled.
# --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=16384)
def _units(text: str, font: str) -> float:
    return pdfmetrics.stringWidth(text, font, 1000)


def _width(text: str, font: str, size: float) -> float:
    return _units(text, font) * size / 1000


_KEEP_TOGETHER = re.compile(r"(§§?) ")


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap at spaces (not at no-break spaces, nor after '§'); a word longer than
    the line stays whole."""
    limit = width * 1000 / size
    if _units(text, font) <= limit:
        return [text]
    text = _KEEP_TOGETHER.sub("\\1\u00a0", text)
    space = _units(" ", font)
    lines: list[str] = []
    line: list[str] = []
    used = 0.0
    for word in text.split(" "):
        w = _units(word, font)
        if line and used + space + w > limit:
            lines.append(" ".join(line))
            line, used = [word], w
        else:
            used = used + space + w if line else w
            line.append(word)
    if line:
        lines.append(" ".join(line))
    return lines


def _split_url(url: str, font: str, size: float, width: float) -> list[str]:
    """Break a URL after '/' where it must, so the last path segment (the code) stays whole."""
    if _width(url, font, size) <= width:
        return [url]
    parts = re.findall(r"[^/]*/|[^/]+$", url)
    lines: list[str] = []
    line = ""
    for part in parts:
        if line and _width(line + part, font, size) > width:
            lines.append(line)
            line = ""
        line += part
    if line:
        lines.append(line)
    return lines


# --------------------------------------------------------------------------------------------
# A tiny layout engine: styled lines are stacked, measured and placed as drawing operations.
# --------------------------------------------------------------------------------------------
class _Style:
    __slots__ = ("font", "size", "color", "leading", "space")

    def __init__(self, font: str, size: float, color: Color, leading: float = 1.28, space: float = 0.0):
        self.font = font
        self.size = size
        self.color = color
        self.leading = size * leading
        self.space = space


# A stack is a list of (text, style) lines; its height is the sum of the leadings.
_Stack = list[tuple[str, _Style]]


def _stack(width: float, *parts: tuple[str | None, _Style]) -> _Stack:
    out: _Stack = []
    for text, style in parts:
        if text:
            out.extend((line, style) for line in _wrap(text, style.font, style.size, width))
    return out


def _height(stack: _Stack) -> float:
    return sum(style.leading for _, style in stack)


class _Page:
    """Drawing operations with y measured downwards from the top of a region (y <= 0).

    Each operation remembers how many flexible gaps come before it, so that spare height can
    be shared out between the sections when the page is drawn.
    """

    def __init__(self) -> None:
        self.ops: list[tuple] = []
        self.y = 0.0
        self.flex = 0

    def gap(self, height: float, flexible: bool = False) -> None:
        self.y -= height
        if flexible:
            self.flex += 1

    def place(self, stack: _Stack, x: float, y: float, align: str = "l") -> float:
        """Add a stack with its top at y; returns the y below it."""
        for text, style in stack:
            baseline = y - style.size * _ASCENT - (style.leading - style.size) / 2
            self.ops.append((self.flex, "t", style, x, baseline, text, align))
            y -= style.leading
        return y

    def flow(self, stack: _Stack, x: float, align: str = "l") -> None:
        self.y = self.place(stack, x, self.y, align)

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.ops.append((self.flex, "l", x1, y1, x2, y2))


# --------------------------------------------------------------------------------------------
# Composition of the body (everything above the footer), at a scale factor s.
# --------------------------------------------------------------------------------------------
Pair = tuple[str, "str | None"]


def _second_language(snapshot: dict) -> str | None:
    language = snapshot.get("language")
    return language if language in LANGUAGES and language != PRIMARY else None


def _pair(key: str, second: str | None, **values: Any) -> Pair:
    return _text(key, PRIMARY, **values), (_text(key, second, **values) if second else None)


def _field(texts: Any, second: str | None) -> Pair:
    """A snapshot text (dict lang -> text) in Norwegian and, when it differs, the second language."""
    first = _pick(texts, PRIMARY)
    other = _pick(texts, second) if second else None
    return first, (other if other and other != first else None)


def _both(fn: Any, value: Any, second: str | None) -> Pair:
    first = fn(value, PRIMARY)
    other = fn(value, second) if second else None
    return first, (other if other != first else None)


def _joined(key: str, second: str | None) -> str:
    first = _text(key, PRIMARY)
    return f"{first} · {_text(key, second)}" if second else first


def _inline_pair(page: _Page, pair: Pair, s1: _Style, s2: _Style) -> None:
    """A short bilingual phrase centred on one line ("nb  ·  en"), stacked if it does not fit."""
    first, other = pair
    cx = MARGIN_X + CONTENT_W / 2
    if not other:
        page.flow(_stack(CONTENT_W, (first, s1)), cx, "c")
        return
    sep = "  ·  "
    w1 = _width(first, s1.font, s1.size)
    total = w1 + _width(sep + other, s2.font, s2.size)
    if total > CONTENT_W * 0.92:
        page.flow(_stack(CONTENT_W, (first, s1), (other, s2)), cx, "c")
        return
    x = cx - total / 2
    leading = max(s1.leading, s2.leading)
    baseline = page.y - s1.size * _ASCENT - (leading - s1.size) / 2
    page.ops.append((page.flex, "t", s1, x, baseline, first, "l"))
    page.ops.append((page.flex, "t", s2, x + w1, baseline, sep + other, "l"))
    page.y -= leading


def _fitted(text: str, font: str, size: float, width: float, smallest: float) -> float:
    """The size at which text fits on one line, but not below smallest."""
    w = _width(text, font, size)
    return size if w <= width else max(smallest, size * width / w)


def _content(snap: dict) -> dict[str, Any]:
    """Every text of the body, formatted once per certificate (composition runs several times)."""
    second = _second_language(snap)
    test_date = snap.get("test_date")
    score = snap.get("score_percent")
    if score is None:                   # no graded final test on record (e.g. issued by an admin)
        test: tuple[Pair, Pair] = (("–", None), ("", None))
    else:
        test = ((_format_percent(int(score), PRIMARY), None),
                (_text("test_passed_on", PRIMARY, date=_format_date(test_date, PRIMARY)),
                 _text("test_passed_on", second, date=_format_date(test_date, second)) if second else None))
    cells: list[tuple[Pair, Pair, Pair]] = [
        (_pair("completed_on", second), _both(_format_date, snap.get("completed_on"), second), ("", None)),
        (_pair("final_test", second), *test),
        (_pair("nominal_hours", second), _both(_format_hours, float(snap.get("hours") or 0), second), ("", None)),
        (_pair("learning_time", second), _both(_format_minutes, snap.get("learning_minutes"), second), ("", None)),
    ]
    if snap.get("valid_until"):
        cells.append((_pair("valid_until", second), _both(_format_date, snap["valid_until"], second), ("", None)))
    audience_key = f"audience.{snap.get('audience')}"
    role = _pair(audience_key, second) if audience_key in LABELS else (str(snap.get("audience", "")), None)
    covered = set(snap.get("regulation_points") or [])
    return {
        "title": _pair("title", second),
        "certify": _pair("certify", second),
        "name": " ".join(str(snap.get("participant_name", "")).split()),
        "passed": _pair("passed", second),
        "course": _field(snap.get("course_title"), second),
        "version": _pair("course_version", second, version=str(snap.get("course_version", ""))),
        "cells": cells,
        "rows": [
            (_pair("role", second), role),
            (_pair("legal_basis", second), _field(snap.get("legal_basis"), second)),
            (_pair("delivery", second), _pair("delivery_value", second)),
        ],
        "topics_heading": _pair("topics", second),
        "topics": [(str(i), _field(topic, second)) for i, topic in enumerate(snap.get("topics") or [], 1)],
        "points_heading": _pair("points", second),
        "points": [(f"{p})", _pair(f"point.{p}", second)) for p in REGULATION_POINTS if p in covered],
    }


def _compose(content: dict[str, Any], s: float) -> _Page:
    page = _Page()
    W = CONTENT_W
    cx = MARGIN_X + W / 2

    hs = 0.6 + 0.4 * s        # the heading shrinks and grows less than the body
    st_title = _Style(BOLD, 30 * hs, BRAND, 1.15, space=5 * hs)
    st_title2 = _Style(REGULAR, 12.5 * hs, MUTED, 1.3)
    st_lead = _Style(REGULAR, 9.5 * hs, INK)
    st_lead2 = _Style(REGULAR, 9 * hs, MUTED)
    st_course = _Style(BOLD, 17 * hs, BRAND, 1.22)
    st_course2 = _Style(REGULAR, 11.5 * hs, MUTED, 1.3)
    st_small = _Style(REGULAR, 8.5 * hs, INK)
    st_small2 = _Style(REGULAR, 8 * hs, MUTED)
    st_label = _Style(BOLD, _sz(7.5, s), BRAND, 1.3)
    st_label2 = _Style(REGULAR, _sz(7, s), MUTED, 1.3)
    st_body = _Style(REGULAR, _sz(9, s), INK, 1.3)
    st_body2 = _Style(REGULAR, _sz(8, s), MUTED, 1.3)
    st_head = _Style(BOLD, _sz(9, s), BRAND, 1.3)
    st_head2 = _Style(REGULAR, _sz(8, s), MUTED, 1.3)
    st_item = _Style(REGULAR, _sz(8.5, s), INK, 1.27)
    st_item2 = _Style(REGULAR, _sz(7.5, s), MUTED, 1.27)
    st_marker = _Style(BOLD, _sz(8.5, s), BRAND, 1.27)

    # ---- Heading, participant and course --------------------------------------------------
    title, title2 = content["title"]
    page.flow([(title.upper(), st_title)], cx, "c")
    if title2:
        page.flow(_stack(W, (title2, st_title2)), cx, "c")
    page.gap(10 * hs)
    page.ops.append((page.flex, "o", cx, page.y))          # ornament: rules and a diamond
    page.gap(14 * hs, flexible=True)

    _inline_pair(page, content["certify"], st_lead, st_lead2)
    page.gap(6 * hs)
    name = content["name"]
    st_name = _Style(BOLD, _fitted(name, BOLD, 27 * hs, W, 17 * hs), INK, 1.18)
    page.flow(_stack(W, (name, st_name)), cx, "c")
    page.gap(6 * hs)
    _inline_pair(page, content["passed"], st_lead, st_lead2)
    page.gap(10 * hs)

    course, course2 = content["course"]
    page.flow(_stack(W * 0.9, (course, st_course), (course2, st_course2)), cx, "c")
    page.gap(3 * hs)
    _inline_pair(page, content["version"], st_small, st_small2)
    page.gap(18 * s, flexible=True)

    # ---- Key figures: a strip of cells (label, value, note) ---------------------------------
    ks = min(s, 1.0)                   # the strip is full already at 1.0: it does not grow
    st_clabel = _Style(BOLD, _sz(7.5, ks), BRAND, 1.3)
    st_clabel2 = _Style(REGULAR, _sz(7, ks), MUTED, 1.3)
    cells = content["cells"]
    # Each cell as wide as its longest line wants, the rest of the width shared out evenly.
    pad = 5 * ks
    wants = []
    for (l1, l2), (v1, v2), (n1, n2) in cells:
        wants.append(2 * pad + max(
            _width(l1, st_clabel.font, st_clabel.size), _width(l2 or "", st_clabel2.font, st_clabel2.size),
            _width(v1, BOLD, 10.5 * ks), _width(v2 or "", REGULAR, 8.5 * ks),
            _width(n1 or "", st_clabel2.font, st_clabel2.size), _width(n2 or "", st_clabel2.font, st_clabel2.size)))
    spare = W - sum(wants)
    widths = [w + spare / len(wants) for w in wants] if spare >= 0 else [w * W / sum(wants) for w in wants]
    stacks = []
    for ((l1, l2), (v1, v2), (n1, n2)), cell_w in zip(cells, widths):
        inner = cell_w - 2 * pad
        st_value = _Style(BOLD, _fitted(v1, BOLD, 10.5 * ks, inner, _sz(8, ks)), INK, 1.3)
        st_value2 = _Style(REGULAR, _fitted(v2 or "", REGULAR, 8.5 * ks, inner, _sz(7, ks)), MUTED, 1.3)
        note_size = min(_fitted(n, REGULAR, st_clabel2.size, inner, _sz(6.5, ks)) for n in (n1 or "", n2 or ""))
        st_note = _Style(REGULAR, note_size, MUTED, 1.3)
        stack = _stack(inner, (l1, st_clabel), (l2, st_clabel2))
        stack.append(("", _Style(REGULAR, 3 * ks, INK, 1.0)))
        stack += _stack(inner, (v1, st_value), (v2, st_value2), (n1, st_note), (n2, st_note))
        stacks.append(stack)
    strip_h = max(_height(stack) for stack in stacks)
    top = page.y
    page.line(MARGIN_X, top, MARGIN_X + W, top)
    y0 = top - 9 * ks
    x = MARGIN_X
    for i, (stack, cell_w) in enumerate(zip(stacks, widths)):
        page.place(stack, x + cell_w / 2, y0, "c")
        if i:
            page.line(x, y0, x, y0 - strip_h)
        x += cell_w
    page.y = y0 - strip_h - 8 * ks
    page.line(MARGIN_X, page.y, MARGIN_X + W, page.y)
    page.gap(13 * ks, flexible=True)

    # ---- Role, legal basis, form of training: label | value rows ----------------------------
    label_w = 118 * s
    value_x = MARGIN_X + label_w + 10 * s
    value_w = MARGIN_X + W - value_x
    rows = content["rows"]
    for i, ((l1, l2), (v1, v2)) in enumerate(rows):
        left = _stack(label_w, (l1, st_label), (l2, st_label2))
        right = _stack(value_w, (v1, st_body), (v2, st_body2))
        top = page.y
        page.place(left, MARGIN_X, top - 1.2 * s)
        page.place(right, value_x, top)
        page.y = top - max(_height(left) + 1.2 * s, _height(right))
        if i < len(rows) - 1:
            page.gap(7 * s)

    # ---- Topics and § 3-18 points, two columns each ---------------------------------------
    for heading, items in (("topics_heading", "topics"), ("points_heading", "points")):
        if content[items]:
            page.gap(16 * s, flexible=True)
            _section_heading(page, content[heading], st_head, st_head2, s)
            _two_columns(page, content[items], st_marker, st_item, st_item2, s)
    return page


def _section_heading(page: _Page, pair: Pair, s1: _Style, s2: _Style, s: float) -> None:
    page.flow(_stack(CONTENT_W, (pair[0], s1), (pair[1], s2)), MARGIN_X)
    page.gap(2 * s)
    page.line(MARGIN_X, page.y, MARGIN_X + CONTENT_W, page.y)
    page.gap(6 * s)


def _two_columns(page: _Page, items: list[tuple[str, Pair]], marker: _Style, s1: _Style, s2: _Style,
                 s: float) -> None:
    """Numbered or lettered items in two columns, filled column by column, split where the
    columns come out most even."""
    gutter = 18 * s
    indent = 15 * s
    item_gap = 4 * s
    col_w = (CONTENT_W - gutter) / 2
    stacks = [_stack(col_w - indent, (t1, s1), (t2, s2)) for _, (t1, t2) in items]
    heights = [_height(stack) + item_gap for stack in stacks]
    total = sum(heights)
    split, best, running = len(items), total, 0.0
    for i in range(len(items) + 1):
        tallest = max(running, total - running)
        if tallest < best - 0.01 or (tallest <= best + 0.01 and abs(i - len(items) / 2) < abs(split - len(items) / 2)):
            split, best = i, tallest
        if i < len(items):
            running += heights[i]
    top = page.y
    for c, (first, last) in enumerate(((0, split), (split, len(items)))):
        x = MARGIN_X + c * (col_w + gutter)
        y = top
        for i in range(first, last):
            page.place([(items[i][0], marker)], x, y)
            y = page.place(stacks[i], x + indent, y) - item_gap
    page.y = top - best + item_gap


# --------------------------------------------------------------------------------------------
# The footer: issuer and ids on the left; verification text and QR code on the right.
# Fixed size (it never scales), y measured downwards from its top.
# --------------------------------------------------------------------------------------------
def _compose_footer(snap: dict, verify_url: str) -> tuple[_Page, float]:
    second = _second_language(snap)
    page = _Page()
    st_label = _Style(REGULAR, 7, MUTED, 1.3)
    st_text = _Style(REGULAR, 7.5, INK, 1.35)
    st_text2 = _Style(REGULAR, 7, MUTED, 1.35)

    # Right: the QR code flush right, the verification text right-aligned beside it, the URL
    # on one line if it fits at 6 pt or more, else broken after a '/'.
    url_size = 7.5
    url_w = _width(verify_url, REGULAR, url_size)
    text_w = min(max(url_w, 150.0), 215.0)
    url_size = _fitted(verify_url, REGULAR, url_size, text_w, 6.0)
    st_url = _Style(REGULAR, url_size, BRAND, 1.35)
    stack = _stack(text_w, (_text("verify", PRIMARY), _Style(BOLD, 7.5, BRAND, 1.3)),
                   (_text("verify", second) if second else None, st_label),
                   (_text("verify_hint", PRIMARY), st_text),
                   (_text("verify_hint", second) if second else None, st_text2))
    stack += [(line, st_url) for line in _split_url(verify_url, REGULAR, url_size, text_w)]

    # Left: the issuer, then the serial number and the verification code.
    left_w = CONTENT_W - QR_SIZE - 12 - text_w - 16
    x = MARGIN_X
    y = page.place(_stack(left_w, (_joined("issued_by", second), st_label)), x, 0)
    issuer = str(snap.get("issuer_name", ""))
    y = page.place(_stack(left_w, (issuer, _Style(BOLD, _fitted(issuer, BOLD, 11, left_w, 8.5), INK, 1.3))), x, y)
    orgnr = _format_orgnr(snap.get("issuer_orgnr")).replace(" ", "\u00a0")
    y = page.place(_stack(left_w, (f"{_joined('org_nr', second)} {orgnr}", st_text)), x, y) - 6
    for key in ("serial", "verification_code"):
        value = str(snap.get(key) or "")
        st_value = _Style(BOLD, _fitted(value, BOLD, 8.5, left_w, 6.5), INK, 1.35)
        y = page.place(_stack(left_w, (_joined(key, second), st_label), (value, st_value)), x, y) - 2
    left_h = -(y + 2)

    right_h = _height(stack)
    height = max(left_h, QR_SIZE, right_h)
    qr_x = MARGIN_X + CONTENT_W - QR_SIZE
    # Bottoms aligned: the text's last line level with the foot of the QR code.
    page.place(stack, qr_x - 12, -(height - right_h), "r")
    page.ops.append((0, "q", qr_x, -height, QR_SIZE, verify_url))
    return page, height


# --------------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------------
def _draw_frame(c: Canvas) -> None:
    """A double rule in the brand colour with small diamonds on the inner corners."""
    c.setStrokeColor(BRAND)
    c.setLineWidth(2.2)
    c.rect(22, 22, PAGE_W - 44, PAGE_H - 44, stroke=1, fill=0)
    c.setLineWidth(0.6)
    c.rect(29, 29, PAGE_W - 58, PAGE_H - 58, stroke=1, fill=0)
    c.setFillColor(BRAND)
    for x, y in ((29, 29), (29, PAGE_H - 29), (PAGE_W - 29, 29), (PAGE_W - 29, PAGE_H - 29)):
        _diamond(c, x, y, 4.0)


def _diamond(c: Canvas, x: float, y: float, r: float) -> None:
    path = c.beginPath()
    path.moveTo(x, y + r)
    path.lineTo(x + r, y)
    path.lineTo(x, y - r)
    path.lineTo(x - r, y)
    path.close()
    c.drawPath(path, stroke=0, fill=1)


_LIGHT_RUNS = re.compile("00000+")
_DARK_RUNS_5 = re.compile("11111+")
_BITS = bytes.maketrans(b"\x00\x01", b"01")


def _row_ints(modules: list[list[bool]]) -> list[int]:
    return [int(bytes(row).translate(_BITS), 2) for row in modules]


@functools.lru_cache(maxsize=40)
def _qr_layout(version: int, level: str) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...], tuple]:
    """For a symbol version, as row bitmasks (column 0 is the top bit): the function patterns
    (finders, timing, alignment; format areas light), the data module slots in placement order
    as (row, bit), and per mask pattern the data modules it inverts."""
    qr = QrCodeWidget("", barLevel=level, qrVersion=version).qr
    qr.makeImpl(True, 0)
    n = qr.moduleCount
    masks = [QRUtil.getMask(k) for k in range(8)]
    data = [0] * n
    flips = [[0] * n for _ in range(8)]
    slots = []
    for col, row in qr.dataPosIterator():
        bit = 1 << (n - 1 - col)
        data[row] |= bit
        slots.append((row, bit))
        for k, mask in enumerate(masks):
            if mask(row, col):
                flips[k][row] |= bit
    function = tuple(row & ~mask for row, mask in zip(_row_ints(qr.modules), data))
    return function, tuple(slots), tuple(tuple(rows) for rows in flips)


def _mask_penalty(rows: list[int], n: int) -> int:
    """The mask penalty of ISO/IEC 18004 (rules 1 to 4), on strings and integers for speed."""
    lines = [format(row, "b").zfill(n) for row in rows]
    text = "|".join(lines) + "|" + "|".join("".join(col) for col in zip(*lines))
    runs = _LIGHT_RUNS.findall(text) + _DARK_RUNS_5.findall(text)
    penalty = len("".join(runs)) - 2 * len(runs)                      # 3 + (length - 5) each
    # 1:1:3:1:1 finder-like patterns with four light modules on one side (they cannot overlap).
    penalty += 40 * (text.count("10111010000") + text.count("00001011101"))
    full = (1 << n) - 1
    for a, b in zip(rows, rows[1:]):
        dark = a & b
        light = ~(a | b) & full
        penalty += 3 * ((dark & (dark >> 1)).bit_count() + (light & (light >> 1)).bit_count())
    dark_share = sum(row.bit_count() for row in rows) * 100 / (n * n)
    return penalty + 10 * int(abs(dark_share - 50) // 5)


@functools.lru_cache(maxsize=64)
def _rs_generator(degree: int) -> tuple[int, ...]:
    """Logs of the Reed-Solomon generator polynomial's coefficients after the leading 1 (None
    for a zero coefficient), as reportlab's QRUtil.getErrorCorrectPolynomial builds it."""
    poly = [1]
    for i in range(degree):
        factor = EXP_TABLE[i]
        out = poly + [0]
        for j, coefficient in enumerate(poly):
            if coefficient:
                out[j + 1] ^= EXP_TABLE[(LOG_TABLE[coefficient] + LOG_TABLE[factor]) % 255]
        poly = out
    return tuple(LOG_TABLE[c] if c else -1 for c in poly[1:])


def _rs_remainder(data: list[int], generator: tuple[int, ...]) -> list[int]:
    remainder = [0] * len(generator)
    for byte in data:
        factor = byte ^ remainder[0]
        remainder = remainder[1:] + [0]
        if factor:
            log = LOG_TABLE[factor]
            for i, g in enumerate(generator):
                if g >= 0:
                    remainder[i] ^= EXP_TABLE[(log + g) % 255]
    return remainder


def _qr_codewords(qr: Any) -> list[int]:
    """What reportlab's QRCode.createData returns (data and error-correction codewords,
    interleaved by block), with cached generator polynomials and table arithmetic: it spends
    most of its time rebuilding the generator polynomial for every block."""
    blocks = QRRSBlock.getRSBlocks(qr.version, qr.errorCorrectLevel)
    buffer = QRBitBuffer()
    for data in qr.dataList:
        data.write(buffer, qr.version)
    capacity = sum(block.dataCount for block in blocks) * 8
    if buffer.getLengthInBits() > capacity:
        raise ValueError(f"QR code data overflow ({buffer.getLengthInBits()} > {capacity} bits)")
    if buffer.getLengthInBits() + 4 <= capacity:
        buffer.put(0, 4)
    while buffer.getLengthInBits() % 8:
        buffer.putBit(False)
    pads = itertools.cycle((0xEC, 0x11))
    while buffer.getLengthInBits() < capacity:
        buffer.put(next(pads), 8)
    data_blocks, ec_blocks, offset = [], [], 0
    for block in blocks:
        data = buffer.buffer[offset:offset + block.dataCount]
        offset += block.dataCount
        data_blocks.append(data)
        ec_blocks.append(_rs_remainder(data, _rs_generator(block.totalCount - block.dataCount)))
    return [byte for group in (data_blocks, ec_blocks) for column in itertools.zip_longest(*group)
            for byte in column if byte is not None]


def qr_modules(value: str, level: str = "M") -> list[list[bool]]:
    """The QR code's module matrix (True is dark), encoded by reportlab's QrCodeWidget.

    qr.make() spends about 10 ms: it rebuilds the Reed-Solomon generator for every block and
    places and scores all eight masked symbols in pure Python. Here the codewords come from
    _qr_codewords, the data is placed once on row bitmasks, each mask is applied and scored
    there (the ISO rules), and the chosen one gets reportlab's own format information: the
    same symbol qr.makeImpl(False, mask) builds, at a fraction of the cost.
    """
    qr = QrCodeWidget(value, barLevel=level).qr
    qr.version = qr.calculate_version()
    function, slots, flips = _qr_layout(qr.version, level)
    plain = list(function)
    bits = "".join(format(byte, "08b") for byte in _qr_codewords(qr))
    for (row, bit), on in zip(slots, bits):      # remainder slots stay light, as in mapData
        if on == "1":
            plain[row] |= bit
    n = len(plain)
    penalties = [_mask_penalty([row ^ flip for row, flip in zip(plain, flips[k])], n) for k in range(8)]
    best = penalties.index(min(penalties))
    qr.moduleCount = n
    qr.modules = [[bit == "1" for bit in format(row ^ flip, "b").zfill(n)] for row, flip in zip(plain, flips[best])]
    qr.setupTypeInfo(False, best)
    if qr.version >= 7:
        qr.setupTypeNumber(False)
    return qr.modules


_DARK_RUNS = re.compile("1+")


def _draw_qr(c: Canvas, x: float, y: float, size: float, value: str) -> None:
    """The QR code as one filled path in module units (runs of dark modules merged).

    The quiet zone is the white page around it: nothing is drawn within four modules.
    """
    modules = qr_modules(value)
    n = len(modules)
    ops = []
    for r, row in enumerate(modules):
        line = bytes(row).translate(_BITS).decode()
        ops.extend(f"{run.start()} {n - 1 - r} {run.end() - run.start()} 1 re" for run in _DARK_RUNS.finditer(line))
    c.saveState()
    c.translate(x, y)
    c.scale(size / n, size / n)
    c.setFillColor(INK)
    c.addLiteral("\n".join(ops) + "\nf")
    c.restoreState()


def _rgb(color: Color) -> str:
    return f"{color.red:.3f} {color.green:.3f} {color.blue:.3f} rg"


def _draw(c: Canvas, texts: list[tuple], page: _Page, top: float, extra: float) -> None:
    """Draw shapes on the canvas; collect text (style, x, y, line) for _draw_text."""
    c.setStrokeColor(HAIRLINE)
    c.setLineWidth(0.6)
    for op in page.ops:
        dy = top - op[0] * extra
        kind = op[1]
        if kind == "t":
            _, _, style, x, y, line, align = op
            if line:
                if align != "l":
                    width = _width(line, style.font, style.size) + style.space * (len(line) - 1)
                    x -= width / 2 if align == "c" else width
                texts.append((style, x, dy + y, line))
        elif kind == "l":
            _, _, x1, y1, x2, y2 = op
            c.line(x1, dy + y1, x2, dy + y2)
        elif kind == "o":
            _, _, x, y = op
            c.setStrokeColor(BRAND)
            c.setLineWidth(0.8)
            c.line(x - 58, dy + y, x - 9, dy + y)
            c.line(x + 9, dy + y, x + 58, dy + y)
            c.setStrokeColor(HAIRLINE)
            c.setLineWidth(0.6)
            c.setFillColor(BRAND)
            _diamond(c, x, dy + y, 3.2)
        elif kind == "q":
            _, _, x, y, qr_size, value = op
            _draw_qr(c, x, dy + y, qr_size, value)


def _draw_text(c: Canvas, texts: list[tuple], encoders: dict) -> None:
    """All text as one text object, written directly in page order.

    The operators reportlab's text object would write, without its per-call cost (a third of
    the render time): lines of seed characters are encoded with a translate table, any other
    line by the font's own splitString; strings are written in hex.
    """
    doc = c._doc
    out = ["BT"]
    current = color = None
    space = 0.0
    names: dict[tuple[str, int], str] = {}
    for style, x, y, line in texts:
        if style.color is not color:
            color = style.color
            out.append(_rgb(color))
        if style.space != space:
            space = style.space
            out.append(f"{space:.2f} Tc")
        out.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm")
        encoder = encoders.get(style.font)
        if encoder is not None and not encoder[0].search(line):
            chunks: list[tuple[int, bytes]] = [(0, line.translate(encoder[1]).encode("latin-1"))]
        else:
            chunks = pdfmetrics.getFont(style.font).splitString(line, doc)
        for subset, data in chunks:
            key = (style.font, subset)
            name = names.get(key)
            if name is None:
                name = names[key] = pdfmetrics.getFont(style.font).getSubsetInternalName(subset, doc)
            if (key, style.size) != current:
                current = (key, style.size)
                out.append(f"{name} {style.size:.2f} Tf")
            out.append(f"<{data.hex()}> Tj")
    if space:
        out.append("0 Tc")
    out.append("ET")
    c.addLiteral("\n".join(out))


def _fit(content: dict[str, Any], available: float) -> tuple[_Page, float]:
    """Compose the body at the largest scale, within bounds, at which it fits.

    Height is close to proportional to the scale, so each guess is the scale times the room
    over the height, kept inside what has been learnt (fits at lo, too big at hi); a few passes.
    """
    best: tuple[_Page, float] | None = None
    lo, hi = MIN_SCALE, None
    s = 1.0
    for _ in range(6):
        page = _compose(content, s)
        height = -page.y
        if height <= available:
            best, lo = (page, s), s
            if s >= MAX_SCALE:
                break
        else:
            hi = s
            if s <= MIN_SCALE:
                break
        if hi is not None and best is not None and hi - lo < 0.015:
            break
        guess = min(MAX_SCALE, max(MIN_SCALE, s * available / height))
        if hi is not None and not (lo < guess < hi):
            guess = (lo + hi) / 2
        elif hi is not None:
            guess = min(max(guess, lo + 0.005), hi - 0.005)
        if abs(guess - s) < 0.005:
            break
        s = guess
    if best is None:
        # Far more text than a certificate has: the smallest scale, even if it overflows.
        return _compose(content, MIN_SCALE), MIN_SCALE
    return best


def render_certificate(snapshot: dict, *, verify_url: str) -> bytes:
    """The certificate as the bytes of a one-page A4 PDF."""
    register_fonts()
    footer, footer_h = _compose_footer(snapshot, verify_url)
    footer_top = BOTTOM + footer_h
    rule_y = footer_top + 14
    available = TOP - rule_y - 18

    page, _ = _fit(_content(snapshot), available)
    spare = max(0.0, available + page.y)
    extra = min(spare / page.flex, 24.0) if page.flex else 0.0
    top = TOP - (spare - extra * page.flex) * 0.35

    course = _pick(snapshot.get("course_title"), PRIMARY)
    name = " ".join(str(snapshot.get("participant_name", "")).split())
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1, lang=PRIMARY, initialFontName=REGULAR)
    c.setTitle(f"{LABELS['title'][PRIMARY]} – {course}")
    c.setAuthor(str(snapshot.get("issuer_name", "")))
    c.setSubject(f"{course} – {name}")
    c.setKeywords(f"{snapshot.get('serial', '')} {snapshot.get('verification_code', '')}".strip())
    c.setCreator("hms-lms")

    _draw_frame(c)
    texts: list[tuple] = []
    _draw(c, texts, page, top, extra)
    c.line(MARGIN_X, rule_y, MARGIN_X + CONTENT_W, rule_y)
    _draw(c, texts, footer, footer_top, 0.0)
    encoders = _seed_fonts(c, any(_CYRILLIC.search(text[3]) for text in texts))
    _draw_text(c, texts, encoders)
    c.showPage()
    c.save()
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Sample data for previews
# --------------------------------------------------------------------------------------------
_ISSUER = {"issuer_name": "Arbeidsmiljøakademiet AS", "issuer_orgnr": "921438575"}

_LEADER_TOPICS = [
    {"nb": "Ansvar og roller i HMS-arbeidet", "en": "Responsibility and roles in HSE work",
     "uk": "Відповідальність і ролі в роботі з HMS"},
    {"nb": "Internkontroll – systematisk HMS-arbeid", "en": "Internal control – systematic HSE work",
     "uk": "Внутрішній контроль – систематична робота з HMS"},
    {"nb": "Risikovurdering steg for steg", "en": "Risk assessment step by step",
     "uk": "Оцінка ризиків крок за кроком"},
    {"nb": "Avvik, varsling og beredskap", "en": "Deviations, whistleblowing and emergency preparedness",
     "uk": "Відхилення, викривання та готовність до надзвичайних ситуацій"},
    {"nb": "Psykososialt arbeidsmiljø", "en": "The psychosocial working environment",
     "uk": "Психосоціальне робоче середовище"},
    {"nb": "Fysisk arbeidsmiljø og arbeidstid", "en": "Physical working environment and working hours",
     "uk": "Фізичне робоче середовище та робочий час"},
]

_EMPLOYEE_TOPICS = [
    {"nb": "Dine rettigheter og plikter", "en": "Your rights and duties", "uk": "Ваші права та обов'язки"},
    {"nb": "HMS i praksis", "en": "HSE in practice", "uk": "HMS на практиці"},
    {"nb": "Risiko og avvik", "en": "Risk and deviations", "uk": "Ризики та відхилення"},
    {"nb": "Fysisk og kjemisk arbeidsmiljø", "en": "Physical and chemical working environment",
     "uk": "Фізичне та хімічне робоче середовище"},
    {"nb": "Psykososialt arbeidsmiljø og arbeidstid",
     "en": "Psychosocial working environment and working hours",
     "uk": "Психосоціальне робоче середовище та робочий час"},
    {"nb": "Varsling og beredskap", "en": "Whistleblowing and emergency preparedness",
     "uk": "Повідомлення про порушення та готовність до надзвичайних ситуацій"},
]

_SAFETY_REP_TOPICS = [
    {"nb": "Verneombudets rolle", "en": "The safety representative's role",
     "uk": "Роль представника з охорони праці"},
    {"nb": "Fullt forsvarlig arbeidsmiljø – og hvem som gjør hva",
     "en": "A fully sound working environment – and who does what",
     "uk": "Повністю належне робоче середовище – і хто за що відповідає"},
    {"nb": "Systematisk HMS-arbeid", "en": "Systematic HSE work", "uk": "Систематична робота з охорони праці"},
    {"nb": "Risikovurdering", "en": "Risk assessment", "uk": "Оцінка ризиків"},
    {"nb": "Psykososialt og organisatorisk arbeidsmiljø",
     "en": "The psychosocial and organisational working environment",
     "uk": "Психосоціальне та організаційне робоче середовище"},
    {"nb": "Fysiske arbeidsmiljøfaktorer", "en": "Physical working environment factors",
     "uk": "Фізичні чинники робочого середовища"},
    {"nb": "Kjemiske og biologiske helsefarer", "en": "Chemical and biological health hazards",
     "uk": "Хімічні та біологічні небезпеки для здоров'я"},
    {"nb": "Lover og regler om arbeidsmiljø", "en": "Working environment laws and regulations",
     "uk": "Закони та нормативні акти про робоче середовище"},
]


def sample_snapshot(language: str) -> dict:
    """Realistic certificate data for previews: "nb", "en" or "uk"."""
    if language == "uk":
        return {
            "serial": "HMS-2026-000042",
            "verification_code": "7K3M-Q9TX-2HVB-WD4R-8N5P",
            "language": "uk",
            "participant_name": "Олена Коваленко",
            "course_title": {"nb": "HMS for verneombud", "en": "HSE for safety representatives",
                             "uk": "HMS для представників з охорони праці (verneombud)"},
            "course_version": "2026.1",
            "audience": "safety_rep",
            "legal_basis": {
                "nb": "Arbeidsmiljøloven § 6-5 og forskrift om organisering, ledelse og medvirkning "
                      "§§ 3-18 og 3-19",
                "en": "Working Environment Act section 6-5 and Regulations concerning Organisation, "
                      "Management and Employee Participation sections 3-18 and 3-19",
                "uk": "Закон про робоче середовище, § 6-5, та Положення про організацію, управління та "
                      "участь працівників, §§ 3-18 і 3-19",
            },
            "topics": [dict(t) for t in _SAFETY_REP_TOPICS],
            "regulation_points": list(REGULATION_POINTS),
            "hours": 8.0,
            "learning_minutes": 512,
            "score_percent": 92,
            "test_date": "2026-03-05",
            "completed_on": "2026-03-05",
            "valid_until": "2028-03-05",
            **_ISSUER,
        }
    if language == "en":
        return {
            "serial": "HMS-2026-000107",
            "verification_code": "P4RT-8XNC-M2KD-6QHW-3ZGA",
            "language": "en",
            "participant_name": "Daniel O'Connor",
            "course_title": {"nb": "HMS for arbeidstakere", "en": "HSE for employees", "uk": "HMS для працівників"},
            "course_version": "2026.1",
            "audience": "employee",
            "legal_basis": {
                "nb": "Internkontrollforskriften § 5",
                "en": "Internal Control Regulations (internkontrollforskriften) section 5",
                "uk": "Положення про внутрішній контроль (internkontrollforskriften), § 5",
            },
            "topics": [dict(t) for t in _EMPLOYEE_TOPICS],
            "regulation_points": [],
            "hours": 1.5,
            "learning_minutes": 104,
            "score_percent": 87,
            "test_date": "2026-02-17",
            "completed_on": "2026-02-17",
            "valid_until": None,
            **_ISSUER,
        }
    return {
        "serial": "HMS-2026-000031",
        "verification_code": "H7WQ-3YBZ-K9TF-X2MC-5RJD",
        "language": "nb",
        "participant_name": "Bjørn Ødegård",
        "course_title": {"nb": "HMS for ledere", "en": "HSE for managers", "uk": "HMS для керівників"},
        "course_version": "2026.1",
        "audience": "leader",
        "legal_basis": {
            "nb": "Arbeidsmiljøloven § 3-5",
            "en": "Working Environment Act (arbeidsmiljøloven) section 3-5",
            "uk": "Закон про робоче середовище (arbeidsmiljøloven), § 3-5",
        },
        "topics": [dict(t) for t in _LEADER_TOPICS],
        "regulation_points": [],
        "hours": 3.0,
        "learning_minutes": 212,
        "score_percent": 90,
        "test_date": "2026-01-28",
        "completed_on": "2026-01-28",
        "valid_until": "2029-01-28",
        **_ISSUER,
    }
