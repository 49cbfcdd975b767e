"""The checked-in minified tracker is current, reproducible, and within its budget."""

from __future__ import annotations

from footfall import tracker
from footfall.tracker import build


def test_checked_in_script_is_the_build_of_the_source() -> None:
    # Fails when script.js changed without `make tracker`.
    source = build.SOURCE.read_text()
    assert build.TARGET.read_text() == build.minify(build.without_engagement(source))
    assert build.TARGET_ENGAGEMENT.read_text() == build.minify(source)


def test_default_build_leaves_engagement_out_and_the_engagement_build_keeps_it() -> None:
    assert b"engagement" not in tracker.script()
    assert b"engagement" in tracker.engagement_script()
    assert b"hasFocus" in tracker.engagement_script()


def test_default_build_is_under_one_and_a_half_kilobytes_gzipped() -> None:
    size = build.gzipped_size(tracker.script())
    assert size <= build.BUDGET_GZIPPED, f"{size} bytes gzipped"


def test_minified_script_keeps_no_comment_and_no_long_local_names() -> None:
    text = tracker.script().decode()
    assert "/*" not in text
    assert "hashMode" not in text and "endpoint" not in text


def test_version_follows_the_content() -> None:
    assert len(tracker.version()) == 12
    assert tracker.version() in tracker.snippet("a.com", "https://x", versioned=True)
