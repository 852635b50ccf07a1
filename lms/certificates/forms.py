from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason for revoking"), validators=[
        DataRequired(message=_l("Give a reason: it is shown to anyone who verifies the certificate.")),
        Length(max=500, message=_l("At most %(max)s characters.", max=500)),
    ])
    submit = SubmitField(_l("Revoke the certificate"))


class ReissueForm(FlaskForm):
    submit = SubmitField(_l("Reissue with the current name"))


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Serial, name or code"), validators=[Length(max=100)])
