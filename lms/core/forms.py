from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField
from wtforms.validators import AnyOf, DataRequired

from lms.config import LANGUAGES


class LanguageForm(FlaskForm):
    """The language switcher: one submit button per language."""

    language = HiddenField(validators=[DataRequired(), AnyOf(LANGUAGES)])
    next = HiddenField()
    submit = SubmitField(_l("Change language"))


class ActionForm(FlaskForm):
    """A CSRF-protected button: for POST actions whose data is in the URL or the button's value."""

    submit = SubmitField(_l("Continue"))
