"""A site's Lambda visitor counter that forwards every visit to Footfall.

The site calls this function (API Gateway HTTP API, payload 2.0) on each page view,
as seed 000's counter did; the function posts the visit to Footfall's ``/log-visit``
with an ingest key it reads once from Secrets Manager, and answers the site with what
Footfall said. Standard library and boto3 only (both are in the Lambda runtime).

Environment:
  FOOTFALL_URL            where Footfall answers, e.g. https://stats.example.com
  FOOTFALL_SITE           the site's domain as registered in Footfall
  INGEST_KEY_SECRET_ID    ARN (or name) of the secret holding the ingest key
                          (create it with: footfall key create --site SITE --scopes ingest)
  FORWARD_TIMEOUT_SECONDS optional, default 3
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from datetime import UTC, datetime
from functools import cache
from typing import Any

import boto3


@cache
def ingest_key() -> str:
    """Read once per execution environment; a rotated key needs a new environment
    (publish a version, or update the function's configuration)."""
    secret = boto3.session.Session().client("secretsmanager")
    value = secret.get_secret_value(SecretId=os.environ["INGEST_KEY_SECRET_ID"])["SecretString"]
    return str(value).strip()


def visit_of(event: dict[str, Any]) -> dict[str, str]:
    """The /log-visit body for one API Gateway HTTP API (2.0) request."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    http = (event.get("requestContext") or {}).get("http") or {}
    body: dict[str, Any] = {}
    if event.get("body"):
        try:
            parsed = json.loads(event["body"])
        except ValueError:
            parsed = {}
        body = parsed if isinstance(parsed, dict) else {}
    site = os.environ["FOOTFALL_SITE"]
    # The page the visitor is on: what the site sends, else the Referer of the call.
    url = str(body.get("url") or headers.get("referer") or f"https://{site}/")
    return {
        "site": site,
        "url": url,
        "referrer": str(body.get("referrer") or ""),
        "ip": str(http.get("sourceIp") or ""),
        "user_agent": str(http.get("userAgent") or headers.get("user-agent") or ""),
        "timestamp": datetime.now(UTC).isoformat(),
    }


def forward(visit: dict[str, str]) -> tuple[int, dict[str, Any]]:
    base = os.environ["FOOTFALL_URL"].rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise ValueError(f"FOOTFALL_URL must be an http(s) URL, not {base!r}")
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        base + "/log-visit",
        data=json.dumps(visit).encode(),
        headers={"content-type": "application/json", "x-api-key": ingest_key()},
        method="POST",
    )
    timeout = float(os.environ.get("FORWARD_TIMEOUT_SECONDS", "3"))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
    except (urllib.error.URLError, TimeoutError) as exc:
        return 503, {"error": "unavailable", "detail": str(exc)}


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Count the visit: forward it, and tell the site whether Footfall took it. A
    failure never breaks the site's page: the site gets the status to log."""
    status, answer = forward(visit_of(event))
    counted = status == 202 and answer.get("processed") == 1
    return {
        "statusCode": 200 if counted else 502,
        "headers": {"content-type": "application/json", "cache-control": "no-store"},
        "body": json.dumps({"counted": counted, "footfall_status": status}),
    }
