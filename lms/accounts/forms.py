from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, EmailField, HiddenField, PasswordField, RadioField, SelectChoice, StringField,
                     SubmitField)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from lms.accounts.operations import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, password_problem
from lms.core.i18n import LANGUAGE_NAMES

LANGUAGE_CHOICES = [SelectChoice(code, name, render_kw={"lang": code}) for code, name in LANGUAGE_NAMES.items()]

PASSWORD_MESSAGES = {
    "too_short": _l("The password must be at least %(min)s characters long.", min=MIN_PASSWORD_LENGTH),
    "too_long": _l("The password can be at most %(max)s characters long.", max=MAX_PASSWORD_LENGTH),
    "like_email": _l("The password must not be your e-mail address."),
    "too_simple": _l("The password is too simple. Use a few unrelated words or a mix of characters."),
}


def strip(value):
    return value.strip() if isinstance(value, str) else value


def _required(message=None):
    return DataRequired(message=message or _l("This field is required."))


def _email_validators():
    return [
        _required(_l("Enter your e-mail address.")),
        Length(max=254, message=_l("The e-mail address is too long.")),
        Email(message=_l("Enter a valid e-mail address, like name@example.no."),
              check_deliverability=False),
    ]


def full_name_field() -> StringField:
    return StringField(
        _l("Full name"),
        validators=[_required(_l("Enter your full name.")),
                    Length(min=2, max=120, message=_l("The name must be between %(min)s and %(max)s characters.", min=2, max=120))],
        description=_l("Exactly as it should stand on your course certificates."),
        filters=[strip],
    )


class NewPasswordMixin:
    """A new password with a confirmation, checked against the rules."""

    password = PasswordField(
        _l("New password"),
        validators=[_required(_l("Choose a password."))],
        description=_l("At least %(min)s characters. A few unrelated words make a good password.",
                       min=MIN_PASSWORD_LENGTH),
    )
    password_repeat = PasswordField(
        _l("Repeat the password"), validators=[_required(_l("Repeat the password."))]
    )

    def _email_for_check(self) -> str:
        field = getattr(self, "email", None)
        return field.data or "" if field is not None else ""

    def validate_password(self, field):
        problem = password_problem(field.data or "", self._email_for_check())
        if problem:
            raise ValidationError(str(PASSWORD_MESSAGES[problem]))

    def validate_password_repeat(self, field):
        if field.data != self.password.data:
            raise ValidationError(str(_l("The two passwords are not the same.")))


class RegisterForm(NewPasswordMixin, FlaskForm):
    full_name = full_name_field()
    email = EmailField(_l("E-mail address"), validators=_email_validators(), filters=[strip])
    password = PasswordField(
        _l("Password"),
        validators=[_required(_l("Choose a password."))],
        description=_l("At least %(min)s characters. A few unrelated words make a good password.",
                       min=MIN_PASSWORD_LENGTH),
    )
    language = RadioField(_l("Preferred language"), choices=LANGUAGE_CHOICES, default="nb",
                          validators=[_required(_l("Choose a language."))])
    code = StringField(
        _l("License or discount code (optional)"),
        validators=[Optional(), Length(max=64, message=_l("The code is too long."))],
        description=_l("From your employer or a campaign. You can also add it later."),
        filters=[strip],
    )
    submit = SubmitField(_l("Create account"))

    def validate_full_name(self, field):
        if any(ord(ch) < 32 for ch in field.data or ""):
            raise ValidationError(str(_l("The name contains characters that are not allowed.")))

    def validate_code(self, field):
        """Tell a discount code from a license code, and refuse one that is neither."""
        if not field.data:
            return
        from lms.commerce.operations import classify_code

        if classify_code(field.data) == "unknown":
            raise ValidationError(str(_l("We do not know that code. Check the spelling, or leave the field empty.")))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=_email_validators(), filters=[strip])
    password = PasswordField(_l("Password"), validators=[
        _required(_l("Enter your password.")),
        Length(max=MAX_PASSWORD_LENGTH, message=_l("The e-mail address or password is wrong.")),
    ])
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=_email_validators(), filters=[strip])
    submit = SubmitField(_l("Send reset link"))


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    submit = SubmitField(_l("Set new password"))


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[_required(_l("Enter your current password."))])
    submit = SubmitField(_l("Change password"))


class ChangeEmailForm(FlaskForm):
    email = EmailField(_l("New e-mail address"), validators=_email_validators(), filters=[strip])
    password = PasswordField(_l("Current password"),
                             validators=[_required(_l("Enter your current password."))])
    submit = SubmitField(_l("Send confirmation link"))


class ProfileForm(FlaskForm):
    full_name = full_name_field()
    language = RadioField(_l("Preferred language"), choices=LANGUAGE_CHOICES,
                          validators=[_required(_l("Choose a language."))])
    submit = SubmitField(_l("Save"))

    validate_full_name = RegisterForm.validate_full_name


class ConfirmForm(FlaskForm):
    """A button that confirms a link from an e-mail (a link itself never changes anything)."""

    submit = SubmitField(_l("Confirm"))


class SimpleActionForm(FlaskForm):
    """A CSRF-protected button (log out, sign out other sessions)."""

    submit = SubmitField(_l("Continue"))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Current password"), validators=[_required(_l("Enter your current password."))])
    confirm = BooleanField(_l("I understand that my account and personal data are deleted, and that this cannot be undone."),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])
    submit = SubmitField(_l("Delete my account"))


class TwoFactorForm(FlaskForm):
    code = StringField(_l("Code"), filters=[strip], description=_l("The six digits from your authenticator app, or a recovery code."),
                       validators=[_required(_l("Enter the code.")), Length(max=20, message=_l("The code is too long."))])
    submit = SubmitField(_l("Continue"))
