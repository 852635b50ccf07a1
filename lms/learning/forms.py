from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField
from wtforms.validators import AnyOf, DataRequired

from lms.config import LANGUAGES


class ActionForm(FlaskForm):
    """A CSRF-protected button; question answers are read from the form by the operations."""

    submit = SubmitField(_l("Continue"))


class ContentLanguageForm(FlaskForm):
    language = HiddenField(validators=[DataRequired(), AnyOf(LANGUAGES)])
    next = HiddenField()
