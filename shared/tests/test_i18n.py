"""Chinese beside English (#23 item 5): the language a caller prefers, and a problem answered in it."""

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from insurance_shared.errors import Unprocessable, install_problem_handlers
from insurance_shared.i18n import preferred_language


@pytest.mark.parametrize(
    ("header", "default", "chosen"),
    [
        (None, "en", "en"),
        ("", "zh", "zh"),
        ("zh-CN", "en", "zh"),
        ("zh-Hans-CN,zh;q=0.9", "en", "zh"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "zh", "en"),
        ("fr-FR, zh;q=0.5", "en", "zh"),  # French is not spoken here: the next one asked for
        ("fr-FR", "zh", "zh"),  # nothing we speak: the default
        ("*", "zh", "zh"),
        ("zh;q=0, en;q=0.1", "zh", "en"),  # q=0 rules Chinese out
        ("en;q=0.5, zh;q=0.5", "zh", "en"),  # a tie goes to the one listed first
        ("zh;q=abc, en;q=0.2", "zh", "en"),  # a malformed weight counts as 0
        ("ZH-cn", "en", "zh"),
    ],
)
def test_the_language_a_caller_prefers(header: str | None, default: str, chosen: str) -> None:
    assert preferred_language(header, default) == chosen


@given(st.text(max_size=60), st.sampled_from(["zh", "en"]))
def test_any_header_gets_one_of_the_two_languages(header: str, default: str) -> None:
    assert preferred_language(header, default) in ("zh", "en")


class Body(BaseModel):
    id_number: str = Field(min_length=18)


def app() -> FastAPI:
    a = FastAPI()
    install_problem_handlers(a)

    @a.post("/claims")
    async def claims(body: Body) -> dict:
        raise Unprocessable("claim_active", "this person already has an open claim (17)", field="body.id_number")

    @a.get("/public/beneficiaries")
    async def public() -> dict:
        raise Unprocessable("month_in_future", "2099-01 has not begun", field="query.month")

    return a


async def _call(method: str, path: str, **kw) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app()), base_url="http://t") as c:
        return await c.request(method, path, **kw)


async def test_a_problem_in_chinese_keeps_its_english_beside_it() -> None:
    body = {"id_number": "11010519491231002X"}
    en = await _call("POST", "/claims", json=body)
    assert (en.json()["detail"], en.headers["content-language"]) == ("this person already has an open claim (17)", "en")
    assert "detail_en" not in en.json() and "message_en" not in en.json()["errors"][0]
    zh = await _call("POST", "/claims", json=body, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    p = zh.json()
    assert (p["code"], p["detail"], p["detail_en"]) == (
        "claim_active",
        "此人已有未结束的申领",
        "this person already has an open claim (17)",
    )
    assert (p["errors"][0]["message"], p["errors"][0]["message_en"]) == ("此人已有未结束的申领", p["detail_en"])
    assert zh.headers["content-language"] == "zh-CN" and "Accept-Language" in zh.headers["vary"]
    # a validation error's messages too (pydantic's own error types)
    short = await _call("POST", "/claims", json={"id_number": "1"}, headers={"Accept-Language": "zh"})
    assert short.json()["errors"][0]["message"] == "内容过短"


async def test_the_public_list_answers_in_chinese_unless_asked_otherwise() -> None:
    assert (await _call("GET", "/public/beneficiaries")).json()["detail"] == "该月尚未开始"
    en = await _call("GET", "/public/beneficiaries", headers={"Accept-Language": "en"})
    assert en.json()["detail"] == "2099-01 has not begun"
