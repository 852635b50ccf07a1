"""Sync: idempotent, a content hash per version, edits keep progress, removals need consent."""

from sqlalchemy import func, select

from lms.content.loader import load_course
from lms.content.models import Course, CourseRevision, Lesson, Module, Question
from lms.content.operations import sync_course
from lms.extensions import db
from tests.conftest import done_marks
from lms.learning.models import LessonProgress
from tests.coursefactory import edit, write_course


def sync(app, folder, **kwargs):
    data, problems = load_course(folder, folder.parent)
    assert problems == []
    with app.test_request_context():
        result = sync_course(data, **kwargs)
        db.session.commit()
        return result


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_sync_creates_then_is_idempotent(app, tmp_path):
    folder = write_course(tmp_path)
    first = sync(app, folder)
    assert first.status == "created"
    assert count(app, Module) == 2 and count(app, Lesson) == 4 and count(app, Question) == 10
    again = sync(app, folder)
    assert again.status == "unchanged"
    assert count(app, CourseRevision) == 1
    with app.app_context():
        course = db.session.scalar(select(Course))
        assert course.nominal_minutes == 90
        lesson = db.session.scalar(select(Lesson).order_by(Lesson.id))
        assert '<aside class="callout callout-law" role="note" aria-label="Hva loven sier">' in lesson.body_html["nb"]
        assert 'aria-label="Що каже закон"' in lesson.body_html["uk"]
        assert "<table>" in lesson.body_html["nb"]


def test_editing_text_and_adding_a_module_keep_progress(app, enrolled, client, tmp_path):
    user, slug = enrolled()
    folder = tmp_path / "courses" / slug
    first_lesson = client.get(f"/learn/{slug}", follow_redirects=True)
    assert first_lesson.status_code == 200
    client.submit(f"/learn/{slug}/modul-1/leksjon-1/complete", {}, form_url=f"/learn/{slug}/modul-1/leksjon-1")
    edit(folder / "nb" / "01-modul-1.md", "Arbeidsgiveren har ansvaret", "Arbeidsgiveren har hele ansvaret")
    result = sync(app, folder)
    assert result.status == "updated"
    assert "lesson modul-1/leksjon-1" in result.changed
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LessonProgress).where(
            LessonProgress.completed_at.is_not(None))) == 1
    page = client.get(f"/learn/{slug}/modul-1/leksjon-1")
    assert "hele ansvaret" in page.text
    assert done_marks(page.text) == 1


def test_removing_content_is_refused_unless_allowed(app, tmp_path):
    folder = write_course(tmp_path, modules=3)
    sync(app, folder)
    # Take module 3 out of the course.
    text = (folder / "course.yaml").read_text()
    (folder / "course.yaml").write_text(text.replace("- id: modul-3\n  minutes: 10\n", ""))
    for language in ("nb", "en", "uk"):
        (folder / language / "03-modul-3.md").unlink()
        (folder / language / "03-modul-3.quiz.yaml").unlink()
    refused = sync(app, folder)
    assert refused.status == "refused"
    assert "module modul-3" in refused.removed and "question modul-3-f1" in refused.removed
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Module).where(Module.is_removed.is_(True))) == 0
    allowed = sync(app, folder, allow_removals=True)
    assert allowed.status == "updated"
    with app.app_context():
        removed = db.session.scalar(select(Module).where(Module.key == "modul-3"))
        assert removed.is_removed  # kept for the progress that refers to it


def test_cli_sync_and_check(app, tmp_path):
    write_course(tmp_path)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["courses", "sync", "--path", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Loading courses" in result.output
    assert "test-kurs: created" in result.output
    result = runner.invoke(args=["courses", "sync", "--path", str(tmp_path)])
    assert "test-kurs: unchanged" in result.output
    broken = write_course(tmp_path, "brutt")
    (broken / "en" / "01-modul-1.md").unlink()
    result = runner.invoke(args=["courses", "sync", "--path", str(tmp_path)])
    assert result.exit_code != 0
    assert "nothing was loaded" in result.output
    with app.app_context():
        assert db.session.scalar(select(Course).where(Course.slug == "brutt")) is None


def test_cli_sync_refuses_removals_without_the_flag(app, tmp_path):
    folder = write_course(tmp_path)
    runner = app.test_cli_runner()
    runner.invoke(args=["courses", "sync", "--path", str(tmp_path)])
    for language in ("nb", "en", "uk"):
        edit(folder / language / "02-modul-2.md", "## Leksjon 2", "### Leksjon 2 uten id\n\n")
        edit(folder / language / "02-modul-2.md", "{#leksjon-2}", "")
    result = runner.invoke(args=["courses", "sync", "--path", str(tmp_path)])
    assert result.exit_code != 0
    assert "would remove lesson modul-2/leksjon-2" in result.output
    result = runner.invoke(args=["courses", "sync", "--path", str(tmp_path), "--allow-removals"])
    assert result.exit_code == 0, result.output
