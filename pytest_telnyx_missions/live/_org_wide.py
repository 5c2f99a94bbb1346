"""Lists that span the whole organisation, cut to the session's own resources before compared.

The real API lists every mission (and run, and event) of the organisation; a live test's fake
holds only what the test made. So both pages are cut to the items naming an id the test owns,
and their totals (``total_results``, ``total_pages``) compared by type only.

Which page an own item falls on depends on everyone else's items: a list oldest first puts the
test's missions after all the organisation's older ones, on a later page than the fake's. So
when either page is only part of its list, an own item that one page shows and the other does
not is no evidence: only the own items both pages show are compared (their content, and their
order among themselves). When both pages hold their whole list, the cut lists are compared
whole, their lengths too.

Pure, like the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from ._json_ids import id_values, json_type

__all__ = ["ORG_WIDE_OPERATIONS", "own_pages", "own_part"]

ORG_WIDE_OPERATIONS = frozenset({"list_missions", "list_recent_events", "list_recent_runs"})
"""Operations whose lists span the whole organisation, not one mission or run."""

_TOTALS = frozenset({"total_results", "total_pages"})

Name = Callable[[Any], "str | None"]
"""What tells an item of a list from the others (its ids, masked), None when nothing does."""


def own_pages(
    fake: Any, real: Any, own: Collection[str], fake_name: Name, real_name: Name
) -> tuple[Any, Any]:
    """Both sides' pages of an org-wide list, cut as the module says."""
    fake_cut, real_cut = own_part(fake, own), own_part(real, own)
    if not (_is_page(fake) and _is_page(real)) or (_whole(fake) and _whole(real)):
        return fake_cut, real_cut
    fake_names = [fake_name(item) for item in fake_cut["data"]]
    real_names = [real_name(item) for item in real_cut["data"]]
    both = (set(fake_names) & set(real_names)) - {None}
    fake_cut["data"] = [i for i, n in zip(fake_cut["data"], fake_names, strict=True) if n in both]
    real_cut["data"] = [i for i, n in zip(real_cut["data"], real_names, strict=True) if n in both]
    return fake_cut, real_cut


def own_part(body: Any, own: Collection[str]) -> Any:
    """A page with only the items naming an own id, its totals as their JSON types."""
    if not _is_page(body):
        return body
    cut = dict(body)
    cut["data"] = [
        item
        for item in body["data"]
        if isinstance(item, dict) and any(value in own for _, value in id_values(item))
    ]
    meta = body.get("meta")
    if isinstance(meta, dict):
        cut["meta"] = {
            key: (json_type(value) if key in _TOTALS else value) for key, value in meta.items()
        }
    return cut


def _is_page(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("data"), list)


def _whole(page: Any) -> bool:
    """True when the page (before the cut) holds its whole list, as its ``meta`` tells."""
    meta = page.get("meta")
    if not isinstance(meta, dict):
        return True  # a list without paging is the whole list
    total, pages = meta.get("total_results"), meta.get("total_pages")
    if isinstance(total, int) and not isinstance(total, bool):
        return total == len(page["data"])
    if isinstance(pages, int) and not isinstance(pages, bool):
        return pages <= 1 and meta.get("page_number", 1) == 1
    return True


def created_ids(method: str, sent_values: Collection[str], status: int, body: Any) -> set[str]:
    """The ids a creating request's answer minted (a 2xx answer to a POST), the client's own
    strings left out: the resources of the session's that org-wide lists are cut to (missions,
    runs, events, plan steps), never an id it only read."""
    if method.upper() != "POST" or not 200 <= status < 300:
        return set()
    return {value for _, value in id_values(body) if value not in sent_values}
