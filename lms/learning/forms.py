from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired

from lms.config import LANGUAGES
from lms.core.forms import ActionForm  # noqa: F401  (used by this feature's views)



class ContentLanguageForm(FlaskForm):
    language = HiddenField(validators=[DataRequired(), AnyOf(LANGUAGES)])
    next = HiddenField()
