from __future__ import annotations

import click
from flask.cli import AppGroup

certificates_cli = AppGroup("certificates", help="Course certificates.")


@certificates_cli.command("preview")
@click.option("--lang", "language", type=click.Choice(["nb", "en", "uk"]), default="nb", show_default=True,
              help="The learner's course language (the certificate is bilingual for en and uk).")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True, help="PDF file to write.")
def preview(language: str, out: str) -> None:
    """Render a sample certificate with sample data, for reviewing the layout."""
    from lms.certificates.pdf import render_certificate, sample_snapshot

    data = render_certificate(sample_snapshot(language), verify_url="https://hms-kurs.example/verify/7K3M-Q9TX-2HVB-WD4R-8N5P")
    with open(out, "wb") as fh:
        fh.write(data)
    click.echo(f"Wrote {out} ({len(data) // 1024} KB, language {language}).")
