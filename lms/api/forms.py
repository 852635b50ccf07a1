from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length


def strip(value):
    return " ".join(value.split()) if isinstance(value, str) else value


class NewTokenForm(FlaskForm):
    name = StringField(_l("Name of the token"), filters=[strip],
                       description=_l("For example the name of the HR system that will use it."),
                       validators=[DataRequired(message=_l("Enter a name.")),
                                   Length(max=100, message=_l("At most %(max)s characters.", max=100))])
    submit = SubmitField(_l("Create token"))


class RevokeTokenForm(FlaskForm):
    submit = SubmitField(_l("Revoke"))
