"""The kursbevis PDF: parsed with pypdf, its QR code decoded from the rendered page.

A pure function of a snapshot dict: no Flask app, no database.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from lms.certificates.pdf import LABELS, REGULATION_POINTS, qr_modules, render_certificate, sample_snapshot

VERIFY_BASE = "https://kurs.example.no/verify/"
CYRILLIC = re.compile("[\u0400-\u04ff]")
LONG_NAME = "Anne-Marie Kristiansen-Bjørnstad Ødegård"


def url_for(snapshot: dict) -> str:
    return VERIFY_BASE + snapshot["verification_code"]


def worst_case() -> dict:
    """Long name, eight topics with long Ukrainian titles, all six § 3-18 points, bilingual."""
    snapshot = sample_snapshot("uk")
    snapshot["participant_name"] = LONG_NAME
    snapshot["topics"] = [
        {"nb": f"Emne {i}: sykefravær, ulykker og kjemiske og biologiske farer på arbeidsplassen",
         "en": f"Topic {i}: sickness absence, accidents and chemical and biological hazards",
         "uk": f"Тема {i}: відсутність через хворобу, нещасні випадки та хімічні й біологічні небезпеки"}
        for i in range(1, 9)
    ]
    return snapshot


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[dict, bytes]]:
    out = {}
    for name in ("nb", "en", "uk"):
        snapshot = sample_snapshot(name)
        out[name] = (snapshot, render_certificate(snapshot, verify_url=url_for(snapshot)))
    snapshot = worst_case()
    out["worst"] = (snapshot, render_certificate(snapshot, verify_url=url_for(snapshot)))
    return out


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf), strict=True)


def text_of(pdf: bytes) -> str:
    return reader(pdf).pages[0].extract_text()


def squashed(text: str) -> str:
    """Without any whitespace, so that a wrapped line still matches."""
    return "".join(text.split())


@pytest.mark.parametrize("name", ["nb", "en", "uk", "worst"])
def test_one_a4_page(rendered, name):
    pdf = reader(rendered[name][1])
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


@pytest.mark.parametrize("name", ["nb", "en", "uk", "worst"])
def test_key_fields_are_real_text(rendered, name):
    snapshot, pdf = rendered[name]
    text = text_of(pdf)
    assert snapshot["participant_name"] in text
    assert snapshot["course_title"]["nb"] in text
    assert snapshot["serial"] in text
    assert snapshot["verification_code"] in text
    assert snapshot["issuer_name"] in text
    assert squashed(url_for(snapshot)) in squashed(text)


def test_names_with_nordic_letters_and_cyrillic(rendered):
    assert "Bjørn Ødegård" in text_of(rendered["nb"][1])
    assert "Олена Коваленко" in text_of(rendered["uk"][1])


def test_ukrainian_certificate_is_bilingual(rendered):
    snapshot, pdf = rendered["uk"]
    text = text_of(pdf)
    for key in ("completed_on", "final_test", "nominal_hours", "learning_time", "valid_until", "role",
                "legal_basis", "delivery", "delivery_value", "topics", "serial", "verification_code"):
        assert LABELS[key]["nb"] in text, key
        assert LABELS[key]["uk"] in text, key
    assert "KURSBEVIS" in text
    assert LABELS["title"]["uk"] in text
    assert snapshot["course_title"]["uk"] in text
    assert "5. mars 2026" in text                      # Norwegian date
    assert "5 березня 2026" in text                    # Babel's Ukrainian date, month in the genitive
    assert "8 timer" in text and "8 годин" in text
    for topic in snapshot["topics"]:
        assert topic["nb"] in text and topic["uk"] in text


def test_norwegian_certificate_has_no_second_language(rendered):
    text = text_of(rendered["nb"][1])
    assert not CYRILLIC.search(text)
    for key in ("completed_on", "final_test", "delivery_value", "topics"):
        assert LABELS[key]["nb"] in text
        assert LABELS[key]["en"] not in text
    assert "28. januar 2026" in text
    assert "Arbeidsgiver og leder" in text


def test_english_certificate_is_bilingual_without_cyrillic(rendered):
    text = text_of(rendered["en"][1])
    assert LABELS["title"]["en"] in text
    assert LABELS["delivery_value"]["nb"] in text and LABELS["delivery_value"]["en"] in text
    assert "17. februar 2026" in text and "17 February 2026" in text
    assert "1,5 timer" in text and "1.5 hours" in text
    assert not CYRILLIC.search(text)


def test_valid_until_only_when_set(rendered):
    assert LABELS["valid_until"]["nb"] in text_of(rendered["nb"][1])
    assert rendered["en"][0]["valid_until"] is None
    assert LABELS["valid_until"]["nb"] not in text_of(rendered["en"][1])


def test_regulation_points_for_safety_representatives_only(rendered):
    uk = squashed(text_of(rendered["uk"][1]))
    for point in REGULATION_POINTS:
        assert squashed(LABELS[f"point.{point}"]["nb"]) in uk
        assert squashed(LABELS[f"point.{point}"]["uk"]) in uk
    assert squashed(LABELS["points"]["nb"]) in uk
    nb = text_of(rendered["nb"][1])
    assert "3-18" not in nb


def test_subset_font_is_embedded(rendered):
    for name in ("nb", "uk"):
        fonts = reader(rendered[name][1]).pages[0]["/Resources"]["/Font"]
        base_fonts = []
        for ref in fonts.values():
            font = ref.get_object()
            base_fonts.append(str(font["/BaseFont"]))
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor            # the TrueType program is embedded
        assert base_fonts
        assert all(re.fullmatch(r"/[A-Z]{6}\+DejaVuSans(-Bold)?", base) for base in base_fonts), base_fonts
        assert {"DejaVuSans", "DejaVuSans-Bold"} <= {base.split("+")[1] for base in base_fonts}


def test_metadata_and_language(rendered):
    snapshot, pdf = rendered["uk"]
    parsed = reader(pdf)
    meta = parsed.metadata
    assert meta.title == "Kursbevis – HMS for verneombud"
    assert meta.author == snapshot["issuer_name"]
    assert "HMS for verneombud" in meta.subject and "Олена Коваленко" in meta.subject
    assert parsed.trailer["/Root"]["/Lang"] == "nb"


def test_letters_outside_the_shared_subset():
    """A name with letters the shared subset lacks gets a subset of its own, still real text."""
    snapshot = sample_snapshot("nb")
    snapshot["participant_name"] = "Łukasz Żółkiewski-Nguyễn"
    pdf = render_certificate(snapshot, verify_url=url_for(snapshot))
    assert "Łukasz Żółkiewski-Nguyễn" in text_of(pdf)


@pytest.mark.parametrize("name", ["nb", "en", "uk", "worst"])
def test_small_enough(rendered, name):
    assert len(rendered[name][1]) <= 80 * 1024


def test_worst_case_fits_inside_the_frame_and_stays_readable(rendered):
    snapshot, pdf = rendered["worst"]
    page = reader(pdf).pages[0]
    positions: list[tuple[float, float, float]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            positions.append((tm[4], tm[5], font_size))

    text = page.extract_text(visitor_text=visit)
    assert LONG_NAME in text
    squashed_text = squashed(text)
    for topic in snapshot["topics"]:
        assert squashed(topic["nb"]) in squashed_text
        assert squashed(topic["uk"]) in squashed_text
    for point in REGULATION_POINTS:
        assert squashed(LABELS[f"point.{point}"]["uk"]) in squashed_text
    assert positions
    # Inside the inner frame rule (29 pt from each edge), with room for descenders.
    assert all(35 < x < 560 and 35 < y < 805 for x, y, _ in positions)
    assert min(size for _, _, size in positions) >= 5


def _decode_qr(pdf: bytes, tmp_path: Path) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(source), str(tmp_path / "page")],
                   check=True, timeout=60)
    with Image.open(tmp_path / "page.png") as image:
        return [result.text for result in zxingcpp.read_barcodes(image)]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
@pytest.mark.parametrize("name", ["nb", "uk"])
def test_qr_code_decodes_to_the_verification_url(rendered, name, tmp_path):
    snapshot, pdf = rendered[name]
    assert _decode_qr(pdf, tmp_path) == [url_for(snapshot)]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_long_verification_url(tmp_path):
    """A longer URL than the layout plans for still prints whole and still scans."""
    snapshot = sample_snapshot("uk")
    url = "https://opplaering.arbeidsmiljoakademiet.no/kursbevis/kontroller/" + snapshot["verification_code"]
    pdf = render_certificate(snapshot, verify_url=url)
    assert squashed(url) in squashed(text_of(pdf))
    assert _decode_qr(pdf, tmp_path) == [url]


def test_no_graded_test_on_record():
    """A certificate without a final-test score says so with a dash, not '0 %' or 'Bestått'."""
    snapshot = sample_snapshot("nb")
    snapshot["score_percent"] = None
    text = text_of(render_certificate(snapshot, verify_url=url_for(snapshot)))
    assert LABELS["final_test"]["nb"] in text
    assert "0 %" not in text and "Bestått" not in text


def test_fractional_hours_and_short_learning_time():
    snapshot = sample_snapshot("uk")
    snapshot["hours"] = 2.5
    snapshot["learning_minutes"] = 45
    text = text_of(render_certificate(snapshot, verify_url=url_for(snapshot)))
    assert "2,5 timer" in text and "2,5 години" in text
    assert "45 min" in text and "45 хв" in text


@pytest.mark.parametrize("value", ["x", VERIFY_BASE + "7K3M-Q9TX-2HVB-WD4R-8N5P", "https://example.no/" + "a" * 200])
@pytest.mark.parametrize("level", ["L", "M", "H"])
def test_qr_matrix_is_a_symbol_reportlab_builds(value, level):
    """qr_modules takes a faster route to the mask than qr.make(): the symbol must be one that
    reportlab's encoder itself builds for that data, level and mask."""
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.barcode.qrencoder import QRCode

    from lms.certificates.pdf import _qr_codewords

    ours = qr_modules(value, level)
    qr = QrCodeWidget(value, barLevel=level).qr
    qr.version = qr.calculate_version()
    assert _qr_codewords(qr) == QRCode.createData(qr.version, qr.errorCorrectLevel, qr.dataList)
    symbols = []
    for mask in range(8):
        qr.makeImpl(False, mask)
        symbols.append([row[:] for row in qr.modules])
    assert ours in symbols


def test_labels_have_every_language():
    for key, texts in LABELS.items():
        assert set(texts) == {"nb", "en", "uk"}, key
        assert all(texts.values()), key


def test_samples():
    assert sample_snapshot("nb")["participant_name"] == "Bjørn Ødegård"
    uk = sample_snapshot("uk")
    assert uk["participant_name"] == "Олена Коваленко"
    assert uk["audience"] == "safety_rep" and uk["regulation_points"] == list("abcdef")
    assert sample_snapshot("en")["language"] == "en"
