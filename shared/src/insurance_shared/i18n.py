"""Chinese beside English (#23 item 5): the person refused or stopped, the officer and the province's dashboard
read Chinese; a developer integrating reads English.

- A rule's criterion carries both texts, written side by side where the rule decides (``Criterion.explanation``
  and ``explanation_zh``), so every answer that explains a decision has both.
- A problem's ``detail`` (and each field error's ``message``) is in the language ``Accept-Language`` prefers;
  in Chinese the English text stays beside it as ``detail_en`` / ``message_en``. The Chinese text of a code is in
  ``data/problems.zh.json``; a code without one answers in English. The public beneficiary list and the
  dashboard answer in Chinese unless the caller asks otherwise; the APIs default to English.

Only the language is negotiated (``zh`` or ``en``), not a region or script: what we write is Simplified Chinese.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from starlette.requests import HTTPConnection

__all__ = ["CHINESE_BY_DEFAULT", "language", "preferred_language", "problem_text_zh"]

LANGUAGES = ("zh", "en")
# paths whose readers are the public and the province's dashboard: Chinese unless asked otherwise
CHINESE_BY_DEFAULT = ("/public/", "/dashboard")


def preferred_language(header: str | None, default: str) -> str:
    """The one of ``zh`` and ``en`` that an ``Accept-Language`` header (RFC 9110 §12.5.4) ranks highest: ranges are
    matched by their primary subtag (``zh-CN``, ``zh-Hans`` and ``zh`` are Chinese), ``*`` stands for ``default``,
    ``q=0`` rules a language out, ties go to the range listed first; ``default`` when nothing matches. Written
    here rather than taken from a web framework: it is these few lines, and a library for them would be a
    framework."""
    best, best_q = default, -1.0
    for item in (header or "").split(","):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        lang = default if primary == "*" else primary
        if lang in LANGUAGES and q > 0 and q > best_q:
            best, best_q = lang, q
    return best


def language(conn: HTTPConnection) -> str:
    """The language to answer ``conn`` in."""
    default = "zh" if conn.url.path.startswith(CHINESE_BY_DEFAULT) else "en"
    return preferred_language(conn.headers.get("accept-language"), default)


@cache
def _problems_zh() -> dict[str, str]:
    return json.loads(resources.files("insurance_shared").joinpath("data/problems.zh.json").read_text("utf-8"))


def problem_text_zh(code: str) -> str | None:
    """The Chinese text of a problem (or field error) code, if it has one."""
    return _problems_zh().get(code)
