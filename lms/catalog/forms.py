from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField
from wtforms.validators import AnyOf, DataRequired

from lms.config import LANGUAGES


class EnrollForm(FlaskForm):
    language = HiddenField(validators=[DataRequired(), AnyOf(LANGUAGES)])
    submit = SubmitField(_l("Start the course"))
