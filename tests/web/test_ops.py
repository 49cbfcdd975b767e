from __future__ import annotations

from tests.support import CHROME_UA, Running


def test_health_ready_and_openapi(running: Running) -> None:
    assert running.client.get("/health").json() == {"status": "ok"}
    ready = running.client.get("/ready")
    assert ready.status_code == 200 and ready.json()["buffer_depth"] == 0
    paths = running.operator_get("/openapi.json").json()["paths"]
    for path in (
        "/api/event",
        "/api/send",
        "/api/batch",
        "/log-visit",
        "/api/v1/track/event",
        "/api/v1/track/batch",
        "/api/v1/sites",
        "/api/v1/keys",
        "/health",
        "/ready",
        "/metrics",
    ):
        assert path in paths, path
    assert running.operator_get("/docs").status_code == 200


def test_ready_fails_when_buffer_is_at_high_water(running: Running) -> None:
    assert running.svc.buffer is not None
    running.svc.buffer.high_water = 0
    r = running.client.get("/ready")
    assert r.status_code == 503 and r.headers["retry-after"] == "1"


def test_overload_answers_503_with_retry_after(running: Running) -> None:
    assert running.svc.buffer is not None
    running.svc.buffer.high_water = 0
    r = running.client.post(
        "/api/event",
        content=b'{"n":"pageview","u":"https://example.com/"}',
        headers={"user-agent": CHROME_UA},
    )
    assert r.status_code == 503 and r.headers["retry-after"] == "1"
    assert r.json()["error"] == "overloaded"
    assert "footfall_ingest_overloaded_total 1.0" in running.operator_get("/metrics").text


def test_metrics_count_requests_events_and_flushes(running: Running) -> None:
    running.client.post(
        "/api/event",
        content=b'{"n":"pageview","u":"https://example.com/"}',
        headers={"user-agent": CHROME_UA},
    )
    text = running.operator_get("/metrics").text
    assert 'footfall_http_requests_total{method="POST",route="/api/event",status="202"} 1.0' in text
    assert 'footfall_events_accepted_total{endpoint="plausible"} 1.0' in text
    assert "footfall_flush_seconds_count 1.0" in text
    assert "footfall_buffer_depth 0.0" in text
    assert 'footfall_pipeline_step_seconds_total{step="user_agent"}' in text
    assert "footfall_store_apply_failing 0.0" in text
    assert "footfall_store_apply_failures_total 0.0" in text
    assert "footfall_store_apply_crashes_total 0.0" in text
    assert "footfall_store_unapplied_events" in text


def test_unknown_route_is_json_404(running: Running) -> None:
    r = running.client.get("/nope")
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_admin_api_with_token_and_admin_scoped_key(running: Running) -> None:
    token = {"authorization": "Bearer test-admin-Vb8nM3xQ7rT2kL9pW4zH6cJ1sD5f"}
    r = running.client.post("/api/v1/sites", headers=token, json={"domain": "New.example"})
    assert r.status_code == 201 and r.json()["domain"] == "new.example"
    assert (
        running.client.post(
            "/api/v1/sites", headers=token, json={"domain": "new.example"}
        ).status_code
        == 409
    )
    r = running.client.post(
        "/api/v1/sites", headers=token, json={"domain": "x.org", "timezone": "Mars/Base"}
    )
    assert r.status_code == 400 and r.json()["field"] == "timezone"
    admin_key = running.key("example.com", "admin")
    own = {"x-api-key": admin_key}
    assert [s["domain"] for s in running.client.get("/api/v1/sites", headers=own).json()] == [
        "example.com"
    ]
    assert (
        running.client.post("/api/v1/sites", headers=own, json={"domain": "y.org"}).status_code
        == 403
    )
    r = running.client.post(
        "/api/v1/keys", headers=own, json={"site": "other.org", "scopes": ["stats"]}
    )
    assert r.status_code == 403
    r = running.client.post(
        "/api/v1/keys", headers=own, json={"site": "example.com", "scopes": ["stats"]}
    )
    assert r.status_code == 201 and r.json()["key"].startswith("ff_")
    assert running.client.get("/api/v1/sites").status_code == 401
