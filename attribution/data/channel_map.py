"""The channel map: raw source / medium / campaign values and column names -> channels.

One map serves every input, so names agree by construction: the journeys' raw
channel values (``google / cpc``), the panel's channel names (``facebook`` from
``facebook_spend``) and the lift tests' channels all go through :meth:`ChannelMap.map`.

Order of precedence for one value:

1. ``exact``: a value (compared case-insensitively, spaces trimmed) -> channel;
2. ``rules``, in order: a glob (``*facebook*``) or a regular expression, matched
   against the whole value, or only its source, medium or campaign;
3. the default grouping (on by default; without a ``[mapping.channels]`` table only
   ``source / medium`` pairs are grouped), close to the common web-analytics default
   channel grouping: ``source / medium`` pairs become ``direct``, ``paid_search``,
   ``organic_search``, ``paid_social``, ``organic_social``, ``display``, ``email``,
   ``referral``, ``affiliates``, ``paid_video``, ``organic_video``, ``paid_shopping``,
   ``audio``, ``sms``, ``mobile_push``, ``paid_other`` or ``unassigned``; a bare name of a
   known ad platform (``facebook``, ``google_ads``, ``bing``, ``youtube`` ...) becomes its
   paid group; any other bare name (``tv``, ``email``, ``store_visit``) is kept as it is.

Pure Python; no engine or file is touched here.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from attribution.errors import UsageError

DIRECT = "direct"
UNASSIGNED = "unassigned"
FIELDS = ("value", "source", "medium", "campaign")

SEARCH_ENGINES = frozenset(
    {
        "google",
        "bing",
        "yahoo",
        "baidu",
        "duckduckgo",
        "yandex",
        "ecosia",
        "naver",
        "ask",
        "seznam",
        "qwant",
        "sogou",
        "adwords",
        "googleads",
        "msn",
    }
)
SOCIAL_SITES = frozenset(
    {
        "facebook",
        "fb",
        "instagram",
        "ig",
        "meta",
        "linkedin",
        "lnkd",
        "twitter",
        "t.co",
        "tiktok",
        "pinterest",
        "snapchat",
        "reddit",
        "threads",
        "whatsapp",
        "messenger",
        "quora",
        "tumblr",
        "vk",
        "xing",
    }
)
VIDEO_SITES = frozenset({"youtube", "vimeo", "twitch", "dailymotion", "youku"})
SHOPPING_SITES = frozenset({"amazon", "ebay", "etsy", "shopify", "walmart", "shopping"})
_PAID_MEDIUM = re.compile(r"^(.*cp.*|ppc|retargeting|paid.*)$")
_DISPLAY_MEDIUM = {"display", "banner", "expandable", "interstitial", "cpm"}
_SOCIAL_MEDIUM = {
    "social",
    "social-network",
    "social-media",
    "sm",
    "social network",
    "social media",
    "social_network",
    "social_media",
}
_EMAIL = {"email", "e-mail", "e_mail", "e mail", "newsletter", "mail"}
_PUSH = {"push", "mobile", "notification", "mobile_push", "push_notification"}
_PAIR = re.compile(r"^\s*(.*?)\s*/\s*(.*?)\s*$")


def _tokens(source: str) -> set[str]:
    s = source.lower()
    return {t for t in re.split(r"[^a-z0-9]+", s) if t} | {s}


def default_group(source: str, medium: str, campaign: str = "") -> str:
    """The default channel group of one source / medium (/ campaign).

    Example
    -------
    >>> default_group("(direct)", "(none)"), default_group("google", "cpc")
    ('direct', 'paid_search')
    >>> default_group("facebook", "paid_social"), default_group("newsletter", "email")
    ('paid_social', 'email')
    """
    s, m, c = source.strip().lower(), medium.strip().lower(), campaign.strip().lower()
    tok = _tokens(s)
    if s in ("(direct)", "direct", "") and m in ("(none)", "(not set)", "none", ""):
        return DIRECT
    shopping = (
        bool(tok & SHOPPING_SITES)
        or re.search(r"^(.*(([^a-df-z]|^)shop|shopping).*)$", c) is not None
    )
    if _PAID_MEDIUM.match(m):
        if shopping:
            return "paid_shopping"
        if tok & SEARCH_ENGINES:
            return "paid_search"
        if tok & SOCIAL_SITES:
            return "paid_social"
        if tok & VIDEO_SITES:
            return "paid_video"
        return "paid_other"
    if m in _DISPLAY_MEDIUM:
        return "display"
    if shopping:
        return "organic_shopping"
    if tok & SOCIAL_SITES or m in _SOCIAL_MEDIUM:
        return "organic_social"
    if tok & VIDEO_SITES or "video" in m:
        return "organic_video"
    if tok & SEARCH_ENGINES or m == "organic":
        return "organic_search"
    if s in _EMAIL or m in _EMAIL:
        return "email"
    if m == "affiliate" or m == "affiliates":
        return "affiliates"
    if m == "referral":
        return "referral"
    if m == "audio":
        return "audio"
    if s == "sms" or m == "sms":
        return "sms"
    if m.endswith(("push", "notification", "notifications")) or m in _PUSH:
        return "mobile_push"
    return UNASSIGNED


def platform_group(name: str) -> str | None:
    """The paid group of a bare ad-platform name (``facebook`` -> paid_social), else None.

    Example
    -------
    >>> platform_group("google_ads"), platform_group("Meta Ads"), platform_group("tv")
    ('paid_search', 'paid_social', None)
    """
    tok = _tokens(name)
    for sites, group in (
        (SHOPPING_SITES, "paid_shopping"),
        (SEARCH_ENGINES, "paid_search"),
        (SOCIAL_SITES, "paid_social"),
        (VIDEO_SITES, "paid_video"),
    ):
        if tok & sites:
            return group
    return None


def split_pair(value: str) -> tuple[str, str] | None:
    """``"google / cpc"`` -> ``("google", "cpc")``; None for a bare name.

    Only one ``/`` between two non-empty parts makes a pair: a path-like value
    (``../x``, ``/a/b``) or a URL stays a name of its own, never regrouped.

    Example
    -------
    >>> split_pair("(direct) / (none)"), split_pair("tv"), split_pair("../../x")
    (('(direct)', '(none)'), None, None)
    """
    if value.count("/") != 1 or "://" in value:
        return None
    m = _PAIR.match(value)
    if m is None or not m.group(1) or not m.group(2):
        return None
    return m.group(1), m.group(2)


@dataclass(frozen=True)
class Rule:
    """One pattern rule: a glob or a regular expression on a field -> channel."""

    channel: str
    glob: str | None = None
    regex: str | None = None
    field: str = "value"

    def __post_init__(self) -> None:
        if (self.glob is None) == (self.regex is None):
            raise UsageError(
                f"channel rule for '{self.channel}': give exactly one of "
                "pattern (a glob such as '*facebook*') or regex"
            )
        if self.field not in FIELDS:
            raise UsageError(
                f"channel rule for '{self.channel}': field must be one of "
                f"{list(FIELDS)}, got {self.field!r}"
            )
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise UsageError(
                    f"channel rule for '{self.channel}': regex {self.regex!r} "
                    f"is not a valid regular expression ({exc})"
                ) from None

    def matches(self, parts: Mapping[str, str]) -> bool:
        text = parts.get(self.field, "").lower()
        if self.glob is not None:
            return fnmatch.fnmatchcase(text, self.glob.lower())
        return re.fullmatch(self.regex or "", text, flags=re.IGNORECASE) is not None


@dataclass(frozen=True)
class ChannelMap:
    """Raw values -> channels (exact values, then rules, then the default grouping).

    Parameters
    ----------
    exact : {raw value: channel}; compared case-insensitively.
    rules : pattern rules, first match wins.
    default_grouping : apply the default grouping to what exact and rules leave.

    Example
    -------
    >>> cm = ChannelMap(exact={"fb_prospecting": "paid_social"})
    >>> [cm.map(v) for v in ("google / cpc", "(direct) / (none)", "fb_prospecting", "tv")]
    ['paid_search', 'direct', 'paid_social', 'tv']
    """

    exact: Mapping[str, str] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    default_grouping: bool = True
    group_names: bool = True  # also group bare ad-platform names (facebook -> paid_social)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "exact",
            {str(k).strip().lower(): str(v).strip() for k, v in dict(self.exact).items()},
        )
        bad = [k for k, v in self.exact.items() if not v]
        if bad:
            raise UsageError(f"channel map: '{bad[0]}' maps to an empty channel name")

    @property
    def uses_campaign(self) -> bool:
        return any(r.field == "campaign" for r in self.rules)

    def map(
        self, value: str, source: str | None = None, medium: str | None = None, campaign: str = ""
    ) -> str:
        """The channel of one raw value (``source``/``medium`` default to its split)."""
        value = str(value).strip()
        pair = split_pair(value)
        if source is None and pair is not None:
            source, medium = pair
        parts = {
            "value": value,
            "source": source or "",
            "medium": medium or "",
            "campaign": campaign or "",
        }
        hit = self.exact.get(value.lower())
        if hit is None and source is not None:
            hit = self.exact.get(f"{source} / {medium}".lower())
        if hit is not None:
            return hit
        for rule in self.rules:
            if rule.matches(parts):
                return rule.channel
        if not self.default_grouping:
            return value
        if source is not None:
            return default_group(source, medium or "", campaign)
        return (platform_group(value) if self.group_names else None) or value

    def map_values(self, values: Iterable[Any]) -> dict[str, str]:
        """{raw: channel} for distinct raw values (empty/missing values left out)."""
        out = {}
        for v in values:
            if v is None or (isinstance(v, float) and v != v) or str(v).strip() == "":
                continue
            out[str(v)] = self.map(str(v))
        return out

    def to_dict(self) -> dict[str, Any]:
        rules = []
        for r in self.rules:
            d: dict[str, Any] = {"channel": r.channel, "field": r.field}
            d["pattern" if r.glob is not None else "regex"] = r.glob or r.regex
            rules.append(d)
        return {
            "default_grouping": self.default_grouping,
            "group_names": self.group_names,
            "exact": dict(self.exact),
            "rules": rules,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], where: str = "mapping.channels") -> ChannelMap:
        """Build from the config's ``[mapping.channels]`` table (see :mod:`.mapping`)."""
        known = {"default_grouping", "group_names", "exact", "rules"}
        _no_unknown(raw, known, where)
        exact = raw.get("exact", {})
        if not isinstance(exact, Mapping):
            raise UsageError(f"[{where}] exact must be a table of raw value = channel")
        rules = []
        for i, r in enumerate(raw.get("rules", []) or []):
            if not isinstance(r, Mapping):
                raise UsageError(f"[{where}] rules entry {i + 1} must be a table")
            _no_unknown(r, {"pattern", "regex", "channel", "field"}, f"{where}.rules[{i + 1}]")
            if "channel" not in r:
                raise UsageError(f"[{where}] rules entry {i + 1} needs a channel")
            rules.append(
                Rule(
                    channel=str(r["channel"]),
                    glob=r.get("pattern"),
                    regex=r.get("regex"),
                    field=str(r.get("field", "value")),
                )
            )
        flags = {k: raw.get(k, True) for k in ("default_grouping", "group_names")}
        for k, v in flags.items():
            if not isinstance(v, bool):
                raise UsageError(f"[{where}] {k} must be true or false")
        return cls(exact=dict(exact), rules=tuple(rules), **flags)


def _no_unknown(raw: Mapping[str, Any], known: set[str], where: str) -> None:
    for key in raw:
        if key not in known:
            close = difflib.get_close_matches(str(key), sorted(known), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known: {sorted(known)}"
            raise UsageError(f"unknown key '{key}' in [{where}]{hint}")
