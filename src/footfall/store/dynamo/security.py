"""Two-factor authentication on the single table (accounts/totp.py, docs/accounts.md).

One item per user, ``TOTP#<user>``: the encrypted secret, whether it is confirmed, the
last accepted time step and the unused recovery-code hashes as a string set, so that
confirming, claiming a step and using a code are each one conditional UpdateItem
(atomic across replicas). A site's "members need 2FA" flag is ``SITESEC#<site>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from footfall.accounts.models import TotpState
from footfall.errors import ConflictError
from footfall.store.dynamo.attrs import EXISTS, b, get_b, get_n, key, n, padded, t
from footfall.store.dynamo.table import Table

_TRUE, _FALSE = {"BOOL": True}, {"BOOL": False}


class DynamoTwoFactor:
    table: Table

    def get_totp(self, user_id: int) -> TotpState | None:
        item = self.table.get("TOTP", padded(user_id))
        if item is None:
            return None
        codes = tuple(sorted(item.get("codes", {}).get("SS", [])))
        enabled = bool(item["enabled"]["BOOL"])
        return TotpState(get_b(item, "secret"), enabled, get_n(item, "last_step"), codes)

    def start_totp(self, user_id: int, secret: bytes) -> None:
        item = {
            **key("TOTP", padded(user_id)),
            "secret": b(secret),
            "enabled": _FALSE,
            "last_step": n(0),
            "created_at": t(datetime.now(UTC)),
        }
        condition = "attribute_not_exists(PK) OR enabled = :f"
        if not self.table.put_if(item, condition, {":f": _FALSE}):
            raise ConflictError("two-factor authentication is enabled already")

    def enable_totp(self, user_id: int, recovery_hashes: Sequence[str], step: int) -> bool:
        values = {":t": _TRUE, ":f": _FALSE, ":s": n(step)}
        expression = "SET enabled = :t, last_step = :s"
        if recovery_hashes:
            expression += ", codes = :codes"
            values[":codes"] = {"SS": list(recovery_hashes)}
        condition = f"{EXISTS} AND enabled = :f"
        return self.table.update("TOTP", padded(user_id), expression, values, condition) is not None

    def claim_totp_step(self, user_id: int, step: int) -> bool:
        values = {":t": _TRUE, ":s": n(step)}
        condition = "enabled = :t AND last_step < :s"
        done = self.table.update("TOTP", padded(user_id), "SET last_step = :s", values, condition)
        return done is not None

    def use_recovery_code(self, user_id: int, code_hash: str) -> bool:
        values = {":c": {"SS": [code_hash]}, ":h": {"S": code_hash}}
        condition = "contains(codes, :h)"
        done = self.table.update("TOTP", padded(user_id), "DELETE codes :c", values, condition)
        return done is not None

    def remove_totp(self, user_id: int) -> None:
        self.table.delete("TOTP", padded(user_id))

    def site_requires_2fa(self, site_id: int) -> bool:
        item = self.table.get("SITESEC", padded(site_id))
        return bool(item and item["require_2fa"]["BOOL"])

    def set_site_requires_2fa(self, site_id: int, required: bool) -> None:
        self.table.put({**key("SITESEC", padded(site_id)), "require_2fa": {"BOOL": required}})
