"""Management API for user accounts, used by ``footfall user`` while the server runs.

Users are instance-wide, so only the operator's admin token may call it (API keys,
even admin-scoped ones, manage a single site).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from footfall.accounts.management import add_user, list_users, user_json
from footfall.accounts.service import AccountService
from footfall.errors import AuthError
from footfall.offload import offload
from footfall.web.access import accounts
from footfall.web.deps import is_operator, presented_token
from footfall.web.errors import json_response

router = APIRouter(prefix="/api/v1", tags=["management"])


class UserIn(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)
    role: str = "viewer"
    site: str | None = Field(default=None, max_length=253)


def _operator(request: Request) -> AccountService:
    if not is_operator(request, presented_token(request)):
        raise AuthError("user management needs the operator's admin token")
    return accounts(request)


@router.get("/users", summary="List user accounts (operator only)")
async def get_users(request: Request) -> Response:
    acc = _operator(request)
    return json_response(await offload(list_users, acc))


@router.post("/users", status_code=201, summary="Add a user, or give a user a role")
async def post_user(request: Request, body: UserIn) -> Response:
    acc = _operator(request)
    user = await offload(add_user, acc, body.email, body.password, body.role, body.site)
    return json_response(user_json(user), 201)


@router.delete("/users/{email}/2fa", summary="Turn a user's two-factor authentication off")
async def reset_two_factor(request: Request, email: str) -> Response:
    acc = _operator(request)
    await offload(acc.reset_two_factor, email)
    return json_response({"reset": email})


@router.delete("/users/{email}", summary="Remove a user with their sessions and roles")
async def delete_user(request: Request, email: str) -> Response:
    acc = _operator(request)
    await offload(acc.remove_user, email)
    return json_response({"removed": email})
