from __future__ import annotations

from flask import Blueprint, render_template, request

from lms.accounts.views import admin_required
from lms.admin import operations as ops
from lms.core.pagination import parse_page

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.get("/")
@admin_required
def index():
    return render_template("admin/index.html", counts=ops.user_counts())


@bp.get("/users")
@admin_required
def users():
    query = request.args.get("q", "")[:200]
    page = ops.search_users(query, parse_page(request.args.get("page")))
    return render_template("admin/users.html", page=page, query=query)
