"""The account service on a fresh store with a settable clock."""

from __future__ import annotations

import pytest

from footfall.accounts.service import AccountService
from footfall.store.registry import Stores
from tests.accounts.helpers import SECRET
from tests.support import Clock


@pytest.fixture
def acc(stores: Stores, clock: Clock) -> AccountService:
    return AccountService(stores, SECRET, clock)
