"""The yardstick: a bare Flask "hello" app, served by the benchmark under the same gunicorn settings.

    gunicorn -w 2 'bare:create_app()'   (run from bench/, or with --chdir bench)

No database, no templates, no extensions: what Flask and gunicorn cost on their own.
"""

from __future__ import annotations

from flask import Flask

PAGE = "<!doctype html><title>Hello</title><p>Hello, HMS!</p>\n"


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def hello() -> tuple[str, int, dict[str, str]]:
        return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}

    return app
