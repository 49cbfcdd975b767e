"""One exception tree for Footfall; the web layer renders each as a JSON error.

FootfallError
├── ConfigError            bad or missing settings (fails at start)
├── InputError             4xx: the client sent something we refuse
│   ├── PayloadTooLarge        413
│   ├── AuthError              401 (missing/bad/revoked key)
│   ├── ForbiddenError         403 (key lacks scope or site)
│   ├── NotFoundError          404
│   ├── QueryTimeout           400 (a stats query ran past its time limit)
│   └── RateLimited            429 + Retry-After (too many attempts)
├── ConflictError          409 (e.g. site already exists)
├── OverloadedError        503 + Retry-After (write buffer above high water)
│   └── StoreUnavailable       503 + Retry-After (disk full, database down: try again)
└── StoreError             the backend failed (5xx; logged with a stack)
"""

from __future__ import annotations


class FootfallError(Exception):
    """Base of every error Footfall raises on purpose."""

    status = 500
    code = "internal_error"

    def __init__(self, detail: str, *, field: str | None = None, code: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        if code is not None:
            self.code = code

    def as_json(self) -> dict[str, str | None]:
        return {"error": self.code, "detail": self.detail, "field": self.field}


class ConfigError(FootfallError):
    code = "config_error"


class InputError(FootfallError):
    status = 400
    code = "invalid_input"


class PayloadTooLarge(InputError):
    status = 413
    code = "payload_too_large"


class AuthError(InputError):
    status = 401
    code = "unauthorized"


class ForbiddenError(InputError):
    status = 403
    code = "forbidden"


class NotFoundError(InputError):
    status = 404
    code = "not_found"


class QueryTimeout(InputError):
    code = "query_timeout"


class RateLimited(InputError):
    status = 429
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int = 1):
        super().__init__(detail)
        self.retry_after = max(1, retry_after)


class ConflictError(FootfallError):
    status = 409
    code = "conflict"


class OverloadedError(FootfallError):
    status = 503
    code = "overloaded"

    def __init__(self, detail: str, *, retry_after: int = 1):
        super().__init__(detail)
        self.retry_after = retry_after


class StoreError(FootfallError):
    code = "store_error"


class StoreUnavailable(OverloadedError):
    """The store cannot take or serve data right now (a full disk, a database being
    reopened or restarted); nothing was lost, and the same request may succeed later."""

    code = "store_unavailable"
