"""UTM tags, click ids, the session's source, and GA4-style channel grouping."""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass
from importlib import resources
from urllib.parse import parse_qsl

from footfall.ingest.enrich.referrer import known_source, source_aliases, source_name

MAX_VALUE_LENGTH = 2_000

# Ad-platform click ids, in the order we look for them. Only the parameter's NAME is kept:
# the value identifies one ad click, that is one person, and must never be stored.
CLICK_ID_PARAMS = (
    "gclid",  # Google Ads
    "gbraid",  # Google Ads, iOS app-to-web
    "wbraid",  # Google Ads, iOS web-to-app
    "msclkid",  # Microsoft Advertising
    "fbclid",  # Meta, on every outbound link from Facebook and Instagram
    "twclid",  # X / Twitter Ads
    "li_fat_id",  # LinkedIn Ads
    "ttclid",  # TikTok Ads
    "dclid",  # Google Display & Video 360
    "yclid",  # Yandex Direct
)
_GOOGLE_CLICK_IDS = frozenset({"gclid", "gbraid", "wbraid"})

# Every channel channel() can answer, in Plausible's rule order ("AI Assistants" is
# Plausible's addition to GA4's default channel group).
CHANNELS = (
    "Cross-network",
    "Paid Shopping",
    "Paid Search",
    "Paid Social",
    "Paid Video",
    "Display",
    "Paid Other",
    "Organic Shopping",
    "Organic Social",
    "Organic Video",
    "AI Assistants",
    "Organic Search",
    "Email",
    "Affiliates",
    "Audio",
    "SMS",
    "Mobile Push Notifications",
    "Referral",
    "Direct",
)

# GA4's regular expressions, as Plausible's Acquisition module applies them.
_PAID_MEDIUM = re.compile(r"^(.*cp.*|ppc|retargeting|paid.*)$")
_SHOPPING_CAMPAIGN = re.compile(r"^(.*(([^a-df-z]|^)shop|shopping).*)$")
_DISPLAY_MEDIUMS = frozenset({"display", "banner", "expandable", "interstitial", "cpm"})
_SOCIAL_MEDIUMS = frozenset(
    {"social", "social-network", "social-media", "sm", "social network", "social media"}
)
_EMAIL_TAGS = ("email", "e-mail", "e_mail", "e mail", "newsletter")


@dataclass(frozen=True, slots=True)
class Acquisition:
    """Campaign tags of the landing URL. tagged_source is utm_source, else source, else ref."""

    utm_medium: str = ""
    utm_source: str = ""
    utm_campaign: str = ""
    utm_content: str = ""
    utm_term: str = ""
    click_id_param: str = ""
    tagged_source: str = ""


def acquisition_from_query(query: str) -> Acquisition:
    """Read UTM tags and the first click-id parameter from a URL's query string."""
    params: dict[str, str] = {}
    for key, value in parse_qsl(query.removeprefix("?"), keep_blank_values=True):
        cleaned = value.strip()[:MAX_VALUE_LENGTH]
        if cleaned and key not in params:  # the first non-empty value wins
            params[key] = cleaned
    click_id = next((name for name in CLICK_ID_PARAMS if name in params), "")
    # Plausible's precedence for a tagged source (Ingestion.Source.resolve).
    tagged = params.get("utm_source") or params.get("source") or params.get("ref") or ""
    return Acquisition(
        utm_medium=params.get("utm_medium", ""),
        utm_source=params.get("utm_source", ""),
        utm_campaign=params.get("utm_campaign", ""),
        utm_content=params.get("utm_content", ""),
        utm_term=params.get("utm_term", ""),
        click_id_param=click_id,
        tagged_source=tagged,
    )


def source_from(utm_source: str, referrer_source: str, click_id_param: str) -> str:
    """The visit's source: the tag, else the referrer, else what the click id implies.

    utm_source is the tagged source (Acquisition.tagged_source). "" means Direct / None.
    """
    if utm_source.strip():
        return source_name(utm_source)
    if referrer_source:
        return referrer_source
    # An auto-tagged ad click whose referrer was stripped still came from that ad network.
    if click_id_param in _GOOGLE_CLICK_IDS:
        return "Google"
    if click_id_param == "msclkid":
        return "Bing"
    return ""


@functools.cache
def _categories() -> dict[str, str]:
    text = resources.files("footfall.ingest.enrich").joinpath("data", "source_categories.csv")
    lines = [ln for ln in text.read_text("utf-8").splitlines() if not ln.startswith("#")]
    return {row["source"]: row["category"] for row in csv.DictReader(io.StringIO("\n".join(lines)))}


@functools.cache
def _paid_sources() -> frozenset[str]:
    # Plausible: utm_source shorthands of ad products ("fb-ads", "google_ads", "yt-ads")
    # and "adwords" mark a visit as paid whatever its medium says.
    ads = {alias for alias in source_aliases() if alias.endswith(("ads", "ad"))}
    return frozenset({*ads, "adwords"})


def source_category(source: str) -> str:
    """search, social, video, shopping, email, ai, or "" for a source name or host."""
    table = _categories()
    key = source.strip().lower().removeprefix("www.")
    if key in table:
        return table[key]
    if "." in key and " " not in key:  # a host: its source name, then its parent domains
        name = known_source(key)
        if name is not None and name.lower() in table:
            return table[name.lower()]
        labels = key.split(".")
        for i in range(1, len(labels) - 1):
            parent = ".".join(labels[i:])
            if parent in table:
                return table[parent]
    return ""


def channel(
    source: str,
    utm_medium: str,
    utm_campaign: str,
    click_id_param: str,
    referrer_host: str,
    utm_source: str = "",
) -> str:
    """Plausible's channel grouping (Ingestion.Acquisition.get_channel), first rule wins.

    referrer_host stands in for the category when no source was resolved; utm_source is the
    raw tag, which some rules read (paid ad shorthands, "newsletter", "sms").
    """
    src = source.strip().lower()
    medium = utm_medium.strip().lower()
    campaign = utm_campaign.strip().lower()
    tag = utm_source.strip().lower()
    category = source_category(src) if src else source_category(referrer_host)
    paid_medium = bool(_PAID_MEDIUM.match(medium))
    paid_tag = tag in _paid_sources()
    shopping = category == "shopping" or bool(_SHOPPING_CAMPAIGN.match(campaign))

    if "cross-network" in campaign:
        return "Cross-network"
    if shopping and paid_medium:
        return "Paid Shopping"
    if (category == "search" and (paid_medium or paid_tag)) or (
        (src == "google" and click_id_param in _GOOGLE_CLICK_IDS)
        or (src == "bing" and click_id_param == "msclkid")
    ):
        return "Paid Search"
    for kind, name in (("social", "Paid Social"), ("video", "Paid Video")):
        if category == kind and (paid_medium or paid_tag):
            return name
    if medium in _DISPLAY_MEDIUMS:
        return "Display"
    if paid_medium:
        return "Paid Other"
    if shopping:
        return "Organic Shopping"
    if category == "social" or medium in _SOCIAL_MEDIUMS:
        return "Organic Social"
    if category == "video" or "video" in medium:
        return "Organic Video"
    if category == "ai":
        return "AI Assistants"
    if category == "search":
        return "Organic Search"
    if category == "email" or any(t in tag or t in medium for t in _EMAIL_TAGS):
        return "Email"
    if medium == "affiliate":
        return "Affiliates"
    if medium == "audio":
        return "Audio"
    if tag == "sms" or medium == "sms":
        return "SMS"
    if medium.endswith("push") or "mobile" in medium or "notification" in medium:
        return "Mobile Push Notifications"
    if src == "firebase":
        return "Mobile Push Notifications"
    if medium in ("referral", "app", "link") or src or referrer_host:
        return "Referral"
    return "Direct"
