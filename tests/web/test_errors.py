"""The error renderer: a failure of ours never shows its message (a store error carries
the SQL it ran), and an echoed value no JSON writer takes cannot break the answer."""

from __future__ import annotations

import logging

import orjson
import pytest

from footfall.errors import InputError, StoreError
from footfall.web.errors import GENERIC, error_response


def test_a_store_error_answers_without_its_sql_and_logs_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(StoreError) as caught:  # as backends word them: with their SQL
        raise StoreError('duckdb: Out of Range Error: LINE 1: SELECT count(*) FROM "events"')
    with caplog.at_level(logging.ERROR, "footfall.web"):
        r = error_response(caught.value)
    assert r.status_code == 500
    assert orjson.loads(bytes(r.body)) == {"error": "store_error", "detail": GENERIC, "field": None}
    assert caught.value.detail in caplog.text


def test_an_echoed_lone_surrogate_is_escaped_not_a_crash() -> None:
    r = error_response(InputError("Site '\ud800' not found", field="site_id.\udc00"))
    assert r.status_code == 400
    body = orjson.loads(bytes(r.body))
    assert body["detail"] == "Site '\\ud800' not found" and body["field"] == "site_id.\\udc00"
