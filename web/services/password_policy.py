"""What a new password must be (web pages and `gradedesk users` alike): at least 10 characters, not
the user name, not one of the common passwords zxcvbn ships (its frequency list of leaked passwords).

Only passwords being set are checked; a stored password is never judged again at log-in.
"""

from __future__ import annotations

from functools import cache

from forms.errors import BadInput

MIN_LENGTH = 10
POLICY = f"密码至少 {MIN_LENGTH} 个字符，不能与用户名相同，也不能是常见密码。"


@cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    return password.lower() in _common()


def check_password(password: str | None, username: str) -> None:
    """BadInput with the policy's sentence when `password` may not be set for `username`."""
    password = password or ""
    if not password:
        raise BadInput("密码不能为空。" + POLICY, "empty password")
    if len(password) < MIN_LENGTH:
        raise BadInput(f"密码太短（{len(password)} 个字符）。" + POLICY, f"password of {len(password)} characters")
    if password.strip().lower() == (username or "").strip().lower():
        raise BadInput("密码不能与用户名相同。" + POLICY, "password equals the user name")
    if is_common(password):
        raise BadInput("这是一个常见密码，容易被猜中。" + POLICY, "common password")
