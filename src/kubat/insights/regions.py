"""One spelling per region, so registrations, stations and settlements meet in the same row.

Registry locations and fleet registrations are typed by different people ("Karaganda" and
"Karaganda Region", "Chui" and "Chuy"). The key drops a trailing "Region"/"Oblast"/"oblysy",
case and punctuation, then applies the aliases below; the label keeps the shortest spelling.
"""

from __future__ import annotations

import re

ALIASES = {
    "chui": "chuy",
    "ysyk kol": "issyk kul",
    "issyk kol": "issyk kul",
    "nur sultan": "astana",
    "almaty city": "almaty",
    "bishkek city": "bishkek",
    "osh city": "osh",
}
_SUFFIX = re.compile(r"\s+(region|oblast|oblysy|province)$")


def region_key(name: str) -> str:
    """Canonical key of a region name; "" stays "" (the region is unknown)."""
    key = re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()
    key = _SUFFIX.sub("", key)
    return ALIASES.get(key, key)


def region_label(names: set[str]) -> str:
    """The label shown for a key: the shortest of the spellings seen, then alphabetical."""
    found = sorted((n for n in names if n), key=lambda n: (len(n), n))
    return found[0] if found else "—"
