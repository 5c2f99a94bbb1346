"""``python -m pytest_telnyx_missions.live cleanup``: what a live run left behind, and its removal.

The ledger says which missions a run created and not deleted (a run killed with ``kill -9``, a
network gone at the end). Each is looked up upstream first: one gone already is noted as such,
one whose name lacks the tag is never deleted (the ledger may be old, or wrong), and the others
are listed, and deleted only with ``--yes``. The key goes only to Telnyx's API, to this machine,
or to the URL ``--url`` names: a ledger is a file anyone could have edited, so an address it
names elsewhere is not trusted with the key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ._safety import DEFAULT_TAG, Artifacts, Ledger, LedgerEntry
from ._upstream import DEFAULT_URL, KEY_VARIABLE, Upstream, UpstreamUnreachable, is_loopback_url

__all__ = ["CleanupResult", "cleanup"]


@dataclass
class CleanupResult:
    deleted: int = 0
    kept: int = 0
    gone: int = 0
    left: int = 0
    failed: int = 0

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def cleanup(
    ledger_path: Path,
    *,
    yes: bool,
    out: TextIO,
    url: str | None = None,
    tag: str = DEFAULT_TAG,
    key: str | None = None,
) -> CleanupResult:
    """List (and with ``yes`` delete) the ledger's leftovers; raises ``ValueError`` for a
    missing key, an unreadable ledger or an upstream URL that cannot be used."""
    key = key if key is not None else os.environ.get(KEY_VARIABLE)
    if not key:
        raise ValueError(f"cleanup needs the live API key in {KEY_VARIABLE}")
    leftovers = Ledger.leftovers(ledger_path)
    result = CleanupResult()
    if not leftovers:
        print(f"{ledger_path}: nothing left behind", file=out)
        return result
    ledger = Ledger(ledger_path, Artifacts(key))
    clients: dict[str, Upstream] = {}
    try:
        for entry in leftovers:
            base = url or entry.url
            if url is None and not _trusted_with_the_key(entry.url):
                print(
                    f"- {_described(entry)}: the ledger names {entry.url}, neither Telnyx's API "
                    f"nor this machine; the key goes there only with --url {entry.url}",
                    file=out,
                )
                result.failed += 1
                continue
            if base not in clients:
                clients[base] = Upstream(base, key, max_requests=len(leftovers) * 2)
            _one(entry, clients[base], ledger, tag=tag, yes=yes, out=out, result=result)
    finally:
        for client in clients.values():
            client.close()
    if result.left:
        print(f"{result.left} to delete: run again with --yes to delete them", file=out)
    return result


def _trusted_with_the_key(url: str) -> bool:
    return url.rstrip("/") == DEFAULT_URL or is_loopback_url(url)


def _described(entry: LedgerEntry) -> str:
    return f"{entry.mission_id} (created by {entry.test or 'a live run'} at {entry.created_at})"


def _one(
    entry: LedgerEntry,
    upstream: Upstream,
    ledger: Ledger,
    *,
    tag: str,
    yes: bool,
    out: TextIO,
    result: CleanupResult,
) -> None:
    where = _described(entry)
    path = f"/ai/missions/{entry.mission_id}"
    try:
        found = upstream.send("GET", path)
    except UpstreamUnreachable as error:
        print(f"- {where}: could not look it up: {error}", file=out)
        result.failed += 1
        return
    if found.status == 404:
        print(f"- {where}: gone already", file=out)
        ledger.deleted(entry.mission_id)
        result.gone += 1
        return
    body = found.json()
    data = body.get("data") if isinstance(body, dict) else None
    name = data.get("name") if isinstance(data, dict) else None
    if found.status != 200 or not isinstance(name, str):
        print(f"- {where}: looking it up was answered {found.status}; left alone", file=out)
        result.failed += 1
        return
    if not name.startswith(tag):
        print(f"- {where}: named {name!r}, without the tag {tag!r}: never deleted", file=out)
        result.kept += 1
        return
    if not yes:
        print(f"- {where}: {name!r} is still there", file=out)
        result.left += 1
        return
    try:
        gone = upstream.send("DELETE", path)
    except UpstreamUnreachable as error:
        print(f"- {where}: {name!r} could not be deleted: {error}", file=out)
        result.failed += 1
        return
    if gone.status in (200, 204, 404):
        print(f"- {where}: {name!r} deleted", file=out)
        ledger.deleted(entry.mission_id)
        result.deleted += 1
    else:
        print(f"- {where}: {name!r}: DELETE answered {gone.status}", file=out)
        result.failed += 1
