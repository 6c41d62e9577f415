"""Chinese is the default language, and its catalogue is complete and compiled."""

import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

LOCALE = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"
msgfmt = shutil.which("msgfmt")


@pytest.mark.skipif(msgfmt is None, reason="gettext's msgfmt is not installed")
def test_chinese_catalogue_is_complete_and_the_committed_mo_is_current(tmp_path):
    po = LOCALE / "django.po"
    check = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", str(tmp_path / "django.mo"), str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    assert "fuzzy" not in check.stderr and "untranslated" not in check.stderr, check.stderr
    assert (tmp_path / "django.mo").read_bytes() == (LOCALE / "django.mo").read_bytes(), (
        "django.mo is stale: run `make messages` and commit it"
    )


@pytest.mark.django_db
def test_pages_speak_chinese_by_default_and_english_on_request():
    url = reverse("accounts:login")
    assert '<html lang="zh-hans">' in (page := Client().get(url).content.decode()) and "登录" in page
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(url).content.decode()
    assert '<html lang="en">' in english and "Log in" in english


@pytest.mark.django_db
def test_language_switch_sets_the_cookie():
    response = Client().post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


@pytest.mark.django_db
def test_evaluate_prints_chinese_by_default(county):
    out = StringIO()
    call_command("evaluate", "--county", "130425", "--year", "2018", stdout=out)
    assert out.getvalue().splitlines()[0].startswith("大名县（130425）2018年绩效评估，截至2018-12-31")
