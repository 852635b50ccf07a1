from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateTimeLocalField, IntegerField, RadioField, SelectChoice,
                     SelectMultipleField, StringField, SubmitField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError
from lms.core.forms import ActionForm  # noqa: F401  (used by this feature's views)


def strip_upper(value):
    return "".join(value.split()).upper() if isinstance(value, str) else value


class CheckoutForm(FlaskForm):
    code = StringField(_l("Discount code"), filters=[strip_upper],
                       validators=[Optional(), Length(max=40, message=_l("The code is too long."))])
    submit = SubmitField(_l("Go to payment"))


class ApplyCodeForm(FlaskForm):
    code = StringField(_l("Discount code"), filters=[strip_upper],
                       validators=[Optional(), Length(max=40, message=_l("The code is too long."))])
    apply = SubmitField(_l("Apply code"))



class DiscountCodeForm(FlaskForm):
    code = StringField(_l("Code"), filters=[strip_upper], validators=[
        DataRequired(message=_l("Enter a code.")),
        Length(min=3, max=40, message=_l("The code must be between %(min)s and %(max)s characters.", min=3, max=40)),
        Regexp(r"^[A-Z0-9-]+$", message=_l("Use letters A–Z, digits and hyphens only.")),
    ])
    description = StringField(_l("Description (for administrators)"), validators=[Length(max=200)])
    kind = RadioField(_l("Discount"), choices=[SelectChoice("percent", _l("Percent")),
                                               SelectChoice("amount", _l("Fixed amount per seat (NOK)"))],
                      default="percent", validators=[DataRequired()])
    value = IntegerField(_l("Value"), validators=[
        DataRequired(message=_l("Enter the discount.")),
        NumberRange(min=1, max=1_000_000, message=_l("Enter a whole number from %(min)s.", min=1))])
    valid_from = DateTimeLocalField(_l("Valid from (Norwegian time)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    valid_until = DateTimeLocalField(_l("Valid until (Norwegian time)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    max_uses = IntegerField(_l("Total uses (empty: no limit)"), validators=[
        Optional(), NumberRange(min=1, max=1_000_000, message=_l("Enter a whole number from %(min)s.", min=1))])
    per_user_limit = IntegerField(_l("Uses per user (empty: no limit)"), default=1, validators=[
        Optional(), NumberRange(min=1, max=1000, message=_l("Enter a whole number from %(min)s.", min=1))])
    min_quantity = IntegerField(_l("Minimum quantity"), default=1, validators=[
        DataRequired(message=_l("Enter a whole number from %(min)s.", min=1)),
        NumberRange(min=1, max=1000, message=_l("Enter a whole number from %(min)s.", min=1))])
    courses = SelectMultipleField(_l("Valid for (none selected: every course)"), coerce=int, validators=[Optional()])
    is_active = BooleanField(_l("Active"), default=True)
    is_campaign = BooleanField(_l("Show as the current campaign on the front page"))
    submit = SubmitField(_l("Save"))

    def validate_value(self, field):
        if self.kind.data == "percent" and field.data is not None and not 1 <= field.data <= 100:
            raise ValidationError(str(_l("A percent discount must be between 1 and 100.")))

    def validate_valid_until(self, field):
        if field.data and self.valid_from.data and field.data <= self.valid_from.data:
            raise ValidationError(str(_l("The end must be after the start.")))
