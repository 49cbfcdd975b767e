"""The snippet a site owner pastes."""

from __future__ import annotations

from footfall.tracker import snippet


def test_snippet_points_at_the_origin_and_keeps_early_calls() -> None:
    html = snippet("shop.example", "https://stats.example.com/")
    assert 'data-domain="shop.example"' in html
    assert 'src="https://stats.example.com/js/script.js"' in html
    assert "window.footfall.q" in html
    assert html.count("<script") == 2


def test_snippet_escapes_what_it_is_given() -> None:
    html = snippet('a.com"><script>', "https://x")
    assert '"><script>' not in html
