"""Every failure a person can meet, with a Chinese sentence for people and a precise one for logs.

Modelled on OCRmyPDF's exceptions module: one type per failure, each carrying
what to tell the clerk (`user_message`) and what to tell the operator
(`log_message`).
"""

from __future__ import annotations

import re


class GradedeskError(Exception):
    """Base of every expected failure."""

    exit_code = 1
    default_user_message = "处理失败。"
    code: str | None = None  # for machines; subclasses and callers name it

    def __init__(self, user_message: str | None = None, log_message: str | None = None, code: str | None = None):
        self.user_message = user_message or self.default_user_message
        self.log_message = log_message or self.user_message
        # for machines (snake_case): given, or the `[code]` a log message starts with
        found = re.match(r"\[([a-z0-9_]+)\]", self.log_message)
        if code or found:
            self.code = code or found.group(1)
        super().__init__(self.log_message)


class BadInput(GradedeskError):
    """The caller gave something that cannot be used (exit status 2)."""

    exit_code = 2
    default_user_message = "输入有误。"


class UnreadableFile(GradedeskError):
    """One file of a bundle cannot be read; the rest of the bundle goes on."""

    default_user_message = "文件无法读取。"


class UnsafeArchive(UnreadableFile):
    """An archive that would escape its folder or exhaust the machine."""

    default_user_message = "压缩包不安全，已拒绝解压。"


class DataDoesNotFit(BadInput):
    """Data handed to a generator lacks keys or has wrong ones."""

    default_user_message = "数据不完整或格式不对。"


class TemplateInvalid(BadInput):
    """A document template does not render with the data of its kind."""

    default_user_message = "模板无法使用。"
