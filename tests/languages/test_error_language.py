"""The language of a request over the API: error messages in it (the account's
`locale`, else the `lang` cookie, else Accept-Language, else English), GET /locales,
and the pages' `<html lang dir>`; both databases (docs/languages.md)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cps.services.search import search
from tests.support.api import PASSWORD, Api

pytestmark = pytest.mark.anyio

TAKEN_AR = "يوجد حساب بهذا البريد الإلكتروني بالفعل."


async def _taken_email(api: Api, **kw: Any) -> httpx.Response:
    user = await api.user()
    r = await api.call("POST", "/auth/register", json={
        "email": user.email, "password": PASSWORD, "display_name": "Layla"}, **kw)
    api.http.cookies.clear()
    return r


async def test_a_sign_up_with_a_taken_email_answers_in_arabic_by_accept_language(
    api: Api,
) -> None:
    r = await _taken_email(api, headers={"Accept-Language": "ar-PS,ar;q=0.9,en;q=0.5"})
    assert r.status_code == 409
    assert r.json()["error"] == {"code": "email_taken", "message": TAKEN_AR}


async def test_a_sign_up_with_a_taken_email_answers_in_arabic_by_the_lang_cookie(
    api: Api,
) -> None:
    # The cookie the language menu sets outranks the browser's header.
    r = await _taken_email(api, headers={"Accept-Language": "ko", "Cookie": "lang=ar"})
    assert r.status_code == 409
    assert r.json()["error"]["message"] == TAKEN_AR


async def test_english_without_any_preference_and_for_a_language_cps_does_not_speak(
    api: Api,
) -> None:
    r = await _taken_email(api)
    assert r.json()["error"]["message"] == "An account with this email already exists."
    r = await _taken_email(api, headers={"Accept-Language": "de-DE,nl;q=0.8"})
    assert r.json()["error"]["message"] == "An account with this email already exists."
    # Odd headers and cookies fall through to the next source, never an error.
    for header, cookie in [("ko;q=abc,,;;", b"lang=xx"),
                           ("*" * 2000, ("lang=" + "ø" * 50).encode()), ("es;q=0", b"lang=")]:
        r = await _taken_email(api, headers={"Accept-Language": header, "Cookie": cookie})
        assert r.status_code == 409
        assert r.json()["error"]["message"] == "An account with this email already exists."


async def test_the_most_preferred_language_by_q_value_wins(api: Api) -> None:
    r = await _taken_email(api, headers={"Accept-Language": "fr;q=0.3, ru;q=0.8, de"})
    assert r.json()["error"]["message"] == (
        "Учётная запись с этим адресом электронной почты уже существует.")


async def test_the_accounts_locale_outranks_cookie_and_header(api: Api) -> None:
    user = await api.user()
    body = await api.ok("PATCH", "/me", user, json={"locale": "tr"})
    assert body["user"]["locale"] == "tr"
    r = await api.call("GET", "/topics/999999", user,
                       headers={"Accept-Language": "ar", "Cookie": "lang=ko"})
    assert r.status_code == 404
    assert r.json()["error"]["message"] == "Böyle bir konu yok."
    # null gives the choice back to the browser; absent leaves it as it is.
    assert (await api.ok("PATCH", "/me", user, json={"display_name": "Ayşe"}))["user"][
        "locale"] == "tr"
    assert (await api.ok("PATCH", "/me", user, json={"locale": None}))["user"]["locale"] is None
    r = await api.call("GET", "/topics/999999", user, headers={"Accept-Language": "ko"})
    assert r.json()["error"]["message"] == "그런 주제가 없습니다."


async def test_a_locale_cps_does_not_speak_is_refused_in_the_callers_language(
    api: Api,
) -> None:
    user = await api.user()
    for bad in ["de", "EN", "ar-EG", "x" * 9, 7]:
        r = await api.call("PATCH", "/me", user, json={"locale": bad},
                           headers={"Accept-Language": "es"})
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "invalid"
        assert "locale" in r.json()["error"]["fields"]
    r = await api.call("PATCH", "/me", user, json={"locale": "de"},
                       headers={"Accept-Language": "es"})
    assert r.json()["error"]["fields"]["locale"] == (
        "Se esperaba uno de estos: en, ko, es, fr, ru, tr, ar.")
    assert (await api.ok("GET", "/me", user))["user"]["locale"] is None


async def test_messages_built_from_a_template_are_translated_with_their_values(
    api: Api,
) -> None:
    user = await api.user()
    r = await api.call("GET", "/search?q=" + "x" * 10 + "&limit=999", user,
                       headers={"Accept-Language": "fr"})
    assert r.status_code == 422
    assert r.json()["error"]["fields"]["limit"] == f"Un nombre de 1 à {search.PAGE_MAX} est attendu."


async def test_a_tiers_name_and_a_capabilitys_are_translated_where_they_fill_a_message(
    api: Api,
) -> None:
    """"The analytics dashboard needs the premium tier; ... free tier." in Korean names
    the tiers and the dashboard as the plans page does, not in English; a word that
    is not marked for it (a person's handle that happens to be "free") stays as it is."""
    w = await api.world()
    r = await api.call("GET", f"/orgs/{w['org']['id']}/analytics", w["admin"],
                       headers={"Accept-Language": "ko"})
    assert r.status_code == 402
    assert r.json()["error"]["message"] == (
        "분석 대시보드에는 프리미엄 등급이 필요합니다. 이 기관은 무료 등급입니다.")
    r = await api.call("GET", f"/orgs/{w['org']['id']}/analytics", w["admin"],
                       headers={"Accept-Language": "es"})
    assert r.json()["error"]["message"] == (
        "El panel de análisis: se necesita el plan Prémium; esta organización está en el "
        "plan Gratuito.")
    r = await api.call("GET", "/search?q=" + "x" * 10 + "&limit=free", w["admin"],
                       headers={"Accept-Language": "ko"})
    assert r.status_code == 422 and "무료" not in r.text


async def test_errors_before_any_route_are_translated_too(api: Api) -> None:
    r = await api.call("GET", "/no/such/thing", headers={"Accept-Language": "ko"})
    assert r.status_code == 404
    assert r.json()["error"]["message"] == "여기에는 아무것도 없습니다."
    r = await api.http.post("/api/v1/auth/login", content=b"{not json",
                            headers={"Content-Type": "application/json",
                                     "Accept-Language": "ru"})
    assert r.status_code == 400
    assert r.json()["error"] == {"code": "malformed_json",
                                 "message": "Тело запроса — не корректный JSON."}


async def test_locales_lists_the_seven_languages_in_their_own_names(api: Api) -> None:
    body = await api.ok("GET", "/locales")
    assert body["locales"] == [
        {"code": "en", "name": "English", "dir": "ltr"},
        {"code": "ko", "name": "한국어", "dir": "ltr"},
        {"code": "es", "name": "Español", "dir": "ltr"},
        {"code": "fr", "name": "Français", "dir": "ltr"},
        {"code": "ru", "name": "Русский", "dir": "ltr"},
        {"code": "tr", "name": "Türkçe", "dir": "ltr"},
        {"code": "ar", "name": "العربية", "dir": "rtl"},
    ]


async def test_the_pages_html_carries_the_requests_language_and_direction(
    api: Api, http: httpx.AsyncClient,
) -> None:
    r = await http.get("/", headers={"Accept-Language": "ar"})
    assert r.status_code == 200
    assert '<html lang="ar" dir="rtl">' in r.text
    assert r.headers["content-language"] == "ar"
    r = await http.get("/topics/3", headers={"Accept-Language": "ko-KR", "Cookie": "lang=ru"})
    assert '<html lang="ru" dir="ltr">' in r.text
    r = await http.get("/search")
    assert '<html lang="en" dir="ltr">' in r.text
    # A signed-in person's choice, read from their session cookie.
    user = await api.user()
    await api.ok("PATCH", "/me", user, json={"locale": "ko"})
    await api.ok("POST", "/auth/login", json={"email": user.email, "password": PASSWORD})
    r = await http.get("/profile", headers={"Accept-Language": "ar"})
    assert '<html lang="ko" dir="ltr">' in r.text
    http.cookies.clear()
    # A session cookie that is no longer valid still gets the page.
    r = await http.get("/", headers={"Cookie": "cps_session=forged; lang=ar"})
    assert r.status_code == 200
    assert '<html lang="ar" dir="rtl">' in r.text


async def _sign_up(api: Api, body: dict[str, Any], language: str | None) -> dict[str, Any]:
    headers = {"Accept-Language": language} if language else {}
    r = await api.call("POST", "/auth/register", json=body, headers=headers)
    api.http.cookies.clear()
    assert r.status_code == 422, r.text
    fields: dict[str, Any] = r.json()["error"]["fields"]
    return fields


async def test_a_sign_up_missing_a_field_answers_the_fields_message_in_arabic_and_korean(
    api: Api,
) -> None:
    # pydantic's own texts ("Field required") come from the catalogue too.
    body = {"email": "layla@example.org", "password": PASSWORD}
    assert (await _sign_up(api, body, "ar"))["display_name"] == "هذا الحقل مطلوب"
    assert (await _sign_up(api, body, "ko-KR,ko;q=0.9"))["display_name"] == "필수 항목입니다"
    assert (await _sign_up(api, body, None))["display_name"] == "Field required"


async def test_pydantic_limits_keep_their_numbers_and_the_languages_plural_form(
    api: Api,
) -> None:
    body = {"email": "ivan@example.org", "password": "short", "display_name": "И" * 81,
            "stakeholder_type": "wizard"}
    fields = await _sign_up(api, body, "ru")
    assert fields["display_name"] == "Не больше 80 символов"
    assert fields["password"] == "Нужно хотя бы 8 символов"
    assert fields["stakeholder_type"].startswith("Должно быть одним из: 'citizen', ")
    assert " or " not in fields["stakeholder_type"]
    english = await _sign_up(api, body, None)
    assert english["display_name"] == "String should have at most 80 characters"
    assert english["password"] == "String should have at least 8 characters"
    assert english["stakeholder_type"].startswith("Input should be one of: 'citizen', ")
    fields = await _sign_up(api, {**body, "display_name": 7, "password": None}, "tr")
    assert fields == {"display_name": "Bir metin olmalı", "password": "Bir metin olmalı",
                      "stakeholder_type": fields["stakeholder_type"]}


async def test_a_422s_own_message_is_in_the_readers_language_too(api: Api) -> None:
    """Not only each field's text: the envelope's "Some fields are invalid." as well,
    for pydantic's refusals and the services' alike."""
    body = {"email": "layla@example.org", "password": PASSWORD}
    for language, message in [("ar", "بعض الحقول غير صالحة."),
                              ("ko", "일부 항목이 올바르지 않습니다."),
                              (None, "Some fields are invalid.")]:
        headers = {"Accept-Language": language} if language else {}
        for sent in (body, {**body, "display_name": "Layla", "handle": "-bad-"}):
            r = await api.call("POST", "/auth/register", json=sent, headers=headers)
            api.http.cookies.clear()
            assert r.status_code == 422, r.text
            assert r.json()["error"]["message"] == message, (sent, r.text)


async def test_the_handle_rule_is_said_whole_in_the_readers_language(api: Api) -> None:
    """The rule was an English sentence filled into each language's template."""
    body = {"email": "layla@example.org", "password": PASSWORD, "display_name": "Layla"}
    for handle in ("ab", "x" * 31, "-bad-"):
        fields = await _sign_up(api, {**body, "handle": handle}, "ar")
        assert fields["handle"].startswith("استخدم من 3 إلى 30"), fields
        assert "starting" not in fields["handle"] and " to " not in fields["handle"]
