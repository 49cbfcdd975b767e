import pytest

from footfall.ingest.enrich.utm import (
    CHANNELS,
    MAX_VALUE_LENGTH,
    Acquisition,
    acquisition_from_query,
    channel,
    source_category,
    source_from,
)


def test_reads_all_utm_tags_trimmed() -> None:
    acq = acquisition_from_query(
        "utm_source=%20Newsletter%20&utm_medium=email&utm_campaign=Spring+Sale"
        "&utm_content=hero&utm_term=running%20shoes&other=1"
    )
    assert acq == Acquisition(
        utm_medium="email",
        utm_source="Newsletter",
        utm_campaign="Spring Sale",
        utm_content="hero",
        utm_term="running shoes",
        click_id_param="",
        tagged_source="Newsletter",
    )


def test_leading_question_mark_and_empty_query() -> None:
    assert acquisition_from_query("?utm_medium=cpc").utm_medium == "cpc"
    assert acquisition_from_query("") == Acquisition()


def test_values_are_cut() -> None:
    acq = acquisition_from_query("utm_campaign=" + "x" * 5_000)
    assert len(acq.utm_campaign) == MAX_VALUE_LENGTH


def test_stores_the_click_id_name_never_its_value() -> None:
    acq = acquisition_from_query("fbclid=IwAR-personal-id&gclid=EAIaIQ-personal-id")
    assert acq.click_id_param == "gclid"  # gclid comes first in our order
    assert "personal" not in repr(acq)


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("msclkid=1", "msclkid"),
        ("li_fat_id=1", "li_fat_id"),
        ("ttclid=1&yclid=2", "ttclid"),
        ("yclid=2", "yclid"),
        ("gclid=", ""),  # present but empty: no click
        ("clid=1", ""),
    ],
)
def test_click_id_params(query: str, param: str) -> None:
    assert acquisition_from_query(query).click_id_param == param


@pytest.mark.parametrize(
    ("query", "tagged"),
    [
        ("utm_source=a&source=b&ref=c", "a"),
        ("source=b&ref=c", "b"),
        ("ref=producthunt", "producthunt"),
        ("utm_source=&ref=c", "c"),
        ("", ""),
    ],
)
def test_tagged_source_precedence(query: str, tagged: str) -> None:
    assert acquisition_from_query(query).tagged_source == tagged


@pytest.mark.parametrize(
    ("tagged", "referrer", "click", "source"),
    [
        ("google", "Bing", "", "Google"),  # a tag beats the referrer
        ("ig", "", "", "Instagram"),
        ("my-newsletter", "Google", "", "my-newsletter"),
        ("", "Hacker News", "gclid", "Hacker News"),
        ("", "", "gclid", "Google"),
        ("", "", "wbraid", "Google"),
        ("", "", "msclkid", "Bing"),
        ("", "", "fbclid", ""),
        ("", "", "", ""),
    ],
)
def test_source_from(tagged: str, referrer: str, click: str, source: str) -> None:
    assert source_from(tagged, referrer, click) == source


@pytest.mark.parametrize(
    ("source", "category"),
    [
        ("Google", "search"),
        ("Hacker News", "social"),
        ("YouTube", "video"),
        ("Amazon", "shopping"),
        ("Gmail", "email"),
        ("ChatGPT", "ai"),
        ("shop.walmart.com", "shopping"),  # a subdomain of a listed host
        ("www.google.co.uk", "search"),  # a host of a known source
        ("example.com", ""),
        ("", ""),
    ],
)
def test_source_category(source: str, category: str) -> None:
    assert source_category(source) == category


# (source, utm_medium, utm_campaign, click_id_param, referrer_host, utm_source) -> channel
CASES = [
    (("Google", "", "", "", "google.com", ""), "Organic Search"),
    (("Google", "cpc", "", "", "", "google"), "Paid Search"),
    (("Google", "", "", "gclid", "google.com", ""), "Paid Search"),
    (("Bing", "", "", "msclkid", "bing.com", ""), "Paid Search"),
    (("Bing", "", "", "gclid", "bing.com", ""), "Organic Search"),
    (("Google", "", "", "", "", "adwords"), "Paid Search"),
    (("Facebook", "paid_social", "", "", "", "facebook"), "Paid Social"),
    (("Facebook", "", "", "", "", "fb-ads"), "Paid Social"),
    (("Facebook", "", "", "fbclid", "facebook.com", ""), "Organic Social"),
    (("YouTube", "cpv", "", "", "", "youtube"), "Paid Video"),
    (("YouTube", "", "", "", "youtube.com", ""), "Organic Video"),
    (("Amazon", "cpc", "", "", "", "amazon"), "Paid Shopping"),
    (("Amazon", "", "", "", "amazon.com", ""), "Organic Shopping"),
    (("partner", "ppc", "summer-shop", "", "", "partner"), "Paid Shopping"),
    (("partner", "", "eshop launch", "", "", "partner"), "Organic Shopping"),
    (("partner", "", "workshop", "", "", "partner"), "Referral"),  # "workshop" is not shop
    (("Google", "cpc", "cross-network-q4", "", "", "google"), "Cross-network"),
    (("adnet", "banner", "", "", "", "adnet"), "Display"),
    (("adnet", "cpm", "", "", "", "adnet"), "Display"),
    (("adnet", "retargeting", "", "", "", "adnet"), "Paid Other"),
    (("someone", "social", "", "", "", "someone"), "Organic Social"),
    (("someone", "video", "", "", "", "someone"), "Organic Video"),
    (("ChatGPT", "", "", "", "chatgpt.com", ""), "AI Assistants"),
    (("Perplexity", "", "", "", "perplexity.ai", ""), "AI Assistants"),
    (("Gmail", "", "", "", "mail.google.com", ""), "Email"),
    (("Newsletter", "", "", "", "", "Newsletter"), "Email"),
    (("acme", "e-mail", "", "", "", "acme"), "Email"),
    (("acme", "affiliate", "", "", "", "acme"), "Affiliates"),
    (("acme", "audio", "", "", "", "acme"), "Audio"),
    (("sms", "", "", "", "", "sms"), "SMS"),
    (("acme", "web-push", "", "", "", "acme"), "Mobile Push Notifications"),
    (("firebase", "", "", "", "", "firebase"), "Mobile Push Notifications"),
    (("example.com", "", "", "", "example.com", ""), "Referral"),
    (("", "referral", "", "", "", ""), "Referral"),
    (("", "", "", "", "", ""), "Direct"),
    (("", "", "", "", "news.google.com", ""), "Organic Search"),
]


@pytest.mark.parametrize(("args", "expected"), CASES)
def test_channel(args: tuple[str, str, str, str, str, str], expected: str) -> None:
    assert channel(*args) == expected
    assert expected in CHANNELS


def test_channel_is_case_insensitive() -> None:
    assert channel("GOOGLE", "CPC", "", "", "") == "Paid Search"
