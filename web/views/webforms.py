"""The HTML forms (Flask-WTF: every one carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import MultipleFileField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from web.services.cases import GRADE_CHOICES

try:  # WTForms 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    def SelectChoice(value: str, label: str | None = None):  # noqa: N802
        return (value, label or value)


def choice(value: str, label: str | None = None):
    return SelectChoice(value, label or value)


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名。"), Length(max=80)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码。")])


class UploadForm(FlaskForm):
    files = MultipleFileField("申报材料")


class AssignForm(FlaskForm):
    expert = SelectField("专家", validators=[DataRequired("请选择专家。")], validate_choice=False)


class ProposeGradeForm(FlaskForm):
    grade = SelectField("拟定等级", choices=[choice(g) for g in GRADE_CHOICES])
