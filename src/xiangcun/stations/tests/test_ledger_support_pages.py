"""Page-test helpers of the ledger pages (no tests here)."""

import re

from django.test import Client


def browser(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def row_ids(response) -> list[str]:
    return re.findall(r'data-row="([^"]+)"', response.content.decode())
