from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, SubmitField
from wtforms.validators import DataRequired, NumberRange, Optional
from lms.core.forms import ActionForm  # noqa: F401  (used by this feature's views)



class LicenseForm(FlaskForm):
    organization = SelectField(_l("Organization"), coerce=int, validators=[DataRequired(message=_l("Choose an organization."))])
    course = SelectField(_l("Course"), coerce=int, validators=[DataRequired(message=_l("Choose a course."))])
    seats = IntegerField(_l("Seats"), validators=[DataRequired(message=_l("Enter the number of seats.")),
                                                  NumberRange(min=1, max=100000, message=_l("Enter a whole number from %(min)s.", min=1))])
    valid_until = DateField(_l("Valid until (empty: one year)"), validators=[Optional()])
    submit = SubmitField(_l("Create or top up the license"))


class ExtendForm(FlaskForm):
    valid_until = DateField(_l("New end date"), validators=[DataRequired(message=_l("Choose a date."))])
    submit = SubmitField(_l("Extend"))
