from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import BooleanField, EmailField, IntegerField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from lms.core.i18n import LANGUAGE_SHORT
from lms.organizations.operations import normalize_orgnr, valid_orgnr
from lms.core.forms import ActionForm  # noqa: F401  (used by this feature's views)


def strip(value):
    return value.strip() if isinstance(value, str) else value


class OrganizationForm(FlaskForm):
    name = StringField(_l("Company name"), filters=[strip], validators=[
        DataRequired(message=_l("Enter the company name.")), Length(max=200, message=_l("At most %(max)s characters.", max=200))])
    orgnr = StringField(_l("Organization number"), filters=[strip], description=_l("Nine digits, as in Brønnøysundregistrene."),
                        validators=[DataRequired(message=_l("Enter the organization number."))])
    address = TextAreaField(_l("Address"), filters=[strip], validators=[Length(max=500, message=_l("At most %(max)s characters.", max=500))])
    invoice_email = EmailField(_l("E-mail for invoices and receipts"), filters=[strip], validators=[
        DataRequired(message=_l("Enter an e-mail address.")),
        Email(message=_l("Enter a valid e-mail address, like name@example.no."), check_deliverability=False)])
    employee_count = IntegerField(_l("Number of employees"), description=_l("Used to tell which roles the law requires to be trained."),
                                  validators=[DataRequired(message=_l("Enter the number of employees.")),
                                              NumberRange(min=1, max=1_000_000, message=_l("Enter a whole number from %(min)s.", min=1))])
    submit = SubmitField(_l("Save"))

    def validate_orgnr(self, field):
        if not valid_orgnr(field.data or ""):
            raise ValidationError(str(_l("This is not a valid organization number: it must be nine digits with a correct check digit.")))
        field.data = normalize_orgnr(field.data)


class EditOrganizationForm(OrganizationForm):
    orgnr = None  # the organization number does not change
    require_two_factor = BooleanField(_l("Managers must use two-factor authentication"))


class BuySeatsForm(FlaskForm):
    course = SelectField(_l("Course"), coerce=int, validators=[DataRequired(message=_l("Choose a course."))])
    quantity = IntegerField(_l("Number of seats"), default=10, validators=[
        DataRequired(message=_l("Enter the number of seats.")),
        NumberRange(min=1, max=1000, message=_l("Choose between 1 and 1 000."))])
    code = StringField(_l("Discount code (optional)"), filters=[lambda v: "".join(v.split()).upper() if isinstance(v, str) else v],
                       validators=[Optional(), Length(max=40, message=_l("The code is too long."))])
    pay = SubmitField(_l("Pay by card"))
    invoice = SubmitField(_l("Request an invoice"))


class InviteForm(FlaskForm):
    license = SelectField(_l("Seats from"), coerce=int, validators=[DataRequired(message=_l("Choose a license."))])
    emails = TextAreaField(_l("E-mail addresses"), description=_l("One per line, or separated by commas."),
                           validators=[Length(max=50_000, message=_l("At most %(max)s characters.", max=50_000))])
    csv_file = FileField(_l("Or upload a CSV file with name and e-mail"), validators=[
        FileAllowed(["csv", "txt"], _l("Upload a .csv file.")), FileSize(max_size=1024 * 1024, message=_l("The file is larger than 1 MB."))])
    language = SelectField(_l("Language of the invitation"), choices=[SelectChoice(c, n) for c, n in LANGUAGE_SHORT.items()])
    submit = SubmitField(_l("Send invitations"))


class ManagerInviteForm(FlaskForm):
    email = EmailField(_l("E-mail address"), filters=[strip], validators=[
        DataRequired(message=_l("Enter an e-mail address.")),
        Email(message=_l("Enter a valid e-mail address, like name@example.no."), check_deliverability=False)])
    submit = SubmitField(_l("Invite manager"))


class RedeemForm(FlaskForm):
    code = StringField(_l("License code"), filters=[strip], validators=[
        DataRequired(message=_l("Enter the code.")), Length(max=60, message=_l("The code is too long."))])
    submit = SubmitField(_l("Use the code"))
