"""The fake's ``check()``: it asks each source of problems in turn and says what they found.

A source is anything with ``problems() -> str`` ('' when all is well): the requests the fake
could not serve (:class:`UnhandledRequests`), the user's own handlers, the strict fault rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol
from urllib.parse import urlencode

from .._journal.recording import Journal, RecordedRequest

__all__ = ["SWITCH_OFF_HINT", "Checks", "ProblemSource", "UnhandledRequests"]

SWITCH_OFF_HINT = (
    "If the test sends these on purpose, switch the check off for it (or its module) with "
    "@pytest.mark.telnyx_missions(check_unhandled=False); see 'Teardown checks' in the docs "
    "(docs/reference/teardown-checks.md)."
)


class ProblemSource(Protocol):
    def problems(self) -> str:
        """What went wrong, ready to read, or '' when all is well."""
        ...


class Checks:
    """What ``check()`` asks: ``unhandled`` sources (requests the fake or the user's handlers
    could not serve; ``check(unhandled=False)`` skips them), then ``expectations`` (what the
    test declared and did not happen)."""

    def __init__(
        self,
        journal: Journal,
        *,
        unhandled: Sequence[ProblemSource],
        expectations: Sequence[ProblemSource],
    ) -> None:
        self._journal = journal
        self._unhandled = tuple(unhandled)
        self._expectations = tuple(expectations)

    def check(self, *, unhandled: bool = True) -> None:
        """Raise ``AssertionError`` saying what went wrong, as the plugin's teardown check does:
        requests the fake could not serve (``unhandled=False`` leaves those out), internal errors,
        and strict fault rules that did not fire as often as expected. Returns None when all is
        well; usable outside pytest (``unittest``, scripts)."""
        __tracebackhide__ = True
        problems = self.text(unhandled=unhandled)
        if problems:
            raise AssertionError(problems)

    def text(self, *, unhandled: bool = True) -> str:
        """What :meth:`check` raises, or ``""`` when all is well."""
        sections = []
        for source in self._unhandled if unhandled else ():
            if found := source.problems():
                sections.append(f"{found}\n{SWITCH_OFF_HINT}")
        sections.extend(found for source in self._expectations if (found := source.problems()))
        if sections and self._journal.dropped:
            sections.append(
                f"({self._journal.dropped} older requests were dropped from the journal "
                f"({self._journal.limits.describe()}) and were not checked.)"
            )
        return "\n\n".join(sections)


class UnhandledRequests:
    """The requests in the journal the fake could not serve as asked."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    def problems(self) -> str:
        lines: list[str] = []
        for entry in self._journal.entries:
            query = f"?{urlencode(entry.query, doseq=True)}" if entry.query else ""
            where = f"{entry.method} {entry.path}{query}"
            if entry.internal_error:  # reported even when a fault rule shaped the answer
                lines.append(
                    f"- {where}: the fake failed with an internal error (answered "
                    f"{entry.status_code}):\n{entry.internal_error.rstrip()}"
                )
            elif entry.fault is not None:
                continue  # the test asked for this answer
            elif entry.operation is None:
                lines.append(f"- {where}: {_miss(entry)}")
            elif entry.status_code == 401:
                lines.append(f"- {where}: answered 401, {_auth_problem(entry.headers)}")
        if not lines:
            return ""
        return "\n".join(["The Telnyx Missions fake received requests it could not serve:", *lines])


def _miss(entry: RecordedRequest) -> str:
    """Why an unrouted request missed, in the words of the answer it got."""
    if entry.status_code == 405:
        return f"no route for this method (answered 405; allow: {entry.response_headers['allow']})"
    if entry.status_code == 307:
        location = entry.response_headers["location"]
        return f"redirected (307) to {location}: the path's trailing slash differs"
    return f"no such route (answered {entry.status_code})"


def _auth_problem(headers: Mapping[str, str]) -> str:
    """Why a request got 401, without echoing the key."""
    sent = headers.get("authorization")
    if sent is None:
        return "no Authorization header was sent (expected 'Bearer <key>')"
    scheme = sent.partition(" ")[0]
    if not scheme:
        return "the Authorization header is empty (expected 'Bearer <key>')"
    if scheme.lower() != "bearer":
        return f"the Authorization header uses scheme {scheme!r}, not 'Bearer <key>'"
    return "the Authorization header is 'Bearer' with an empty key"
