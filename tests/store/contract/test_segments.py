"""The segments contract: saved filter sets per site, a user's own or shared with the
site, on every backend."""

from __future__ import annotations

import pytest

from footfall.accounts.models import Segment
from footfall.errors import ConflictError
from footfall.store.registry import Stores

MOBILE = '[["is","visit:device",["Mobile"]]]'
GOOGLE = '[["is","visit:source",["Google"]]]'


def test_segments_are_shared_or_their_users_own(stores: Stores) -> None:
    site = stores.catalog.add_site("a.com", "UTC", "u1")
    other = stores.catalog.add_site("b.org", "UTC", "u2")
    acc = stores.accounts
    ann, bob = acc.add_user("ann@a.com", "h", None), acc.add_user("bob@a.com", "h", None)
    shared = acc.add_segment(site.id, "Mobile", MOBILE, None, ann.id)
    assert shared == Segment(shared.id, site.id, "Mobile", MOBILE, None, ann.id)
    mine = acc.add_segment(site.id, "Mobile", GOOGLE, ann.id, ann.id)  # own name space
    bobs = acc.add_segment(site.id, "Google", GOOGLE, bob.id, bob.id)
    elsewhere = acc.add_segment(other.id, "Mobile", MOBILE, None, ann.id)
    with pytest.raises(ConflictError):
        acc.add_segment(site.id, "Mobile", GOOGLE, None, bob.id)
    with pytest.raises(ConflictError):
        acc.add_segment(site.id, "Mobile", MOBILE, ann.id, ann.id)
    assert acc.site_segments(site.id, ann.id) == [shared, mine]
    assert acc.site_segments(site.id, bob.id) == [shared, bobs]
    assert acc.site_segments(site.id, None) == [shared]  # a shared link's visitor
    assert acc.get_segment(mine.id) == mine and acc.get_segment(10_000) is None
    assert acc.update_segment(shared.id, GOOGLE) is True
    assert acc.update_segment(10_000, GOOGLE) is False
    found = acc.get_segment(shared.id)
    assert found is not None and found.filters == GOOGLE
    assert acc.remove_segment(mine.id) is True and acc.remove_segment(mine.id) is False
    acc.remove_user(bob.id)  # a user's own segments go with them
    assert acc.get_segment(bobs.id) is None
    acc.forget_site(site.id)
    assert acc.site_segments(site.id, ann.id) == []
    assert acc.site_segments(other.id, None) == [elsewhere]
