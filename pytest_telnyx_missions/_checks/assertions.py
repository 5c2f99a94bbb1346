"""The run-update helpers (``assert_run_updated`` and friends), asked of the journal.

``FakeMissions`` holds one :class:`RunUpdateChecks` and hands these methods on; the messages come
from the one diff engine (``diff``). Only calls the fake applied (``.applied``) satisfy a helper;
rejected ones are listed in the failure message, marked with the status they got.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, NoReturn

from .._api.models import canonical_id
from .._journal.calls import RunUpdate, status_calls, status_changes, status_of
from .._journal.recording import UPDATE_RUN, Journal
from .diff import (
    describe,
    describe_expected,
    fields_match,
    first_difference,
    match_value,
    matches,
    miss_message,
    plural,
    short,
    shown_fields,
)
from .fields import FieldsOf, check_fields

__all__ = ["RunUpdateChecks"]


class RunUpdateChecks:
    """The ``PATCH`` updates of runs in the journal, and the assertions about them.

    ``run_ids`` lists the fake's runs now (a message says when the run asked about is unknown);
    ``fields_of`` each operation's fields (one ``update_run`` does not have is a ``TypeError``).
    """

    def __init__(
        self, journal: Journal, run_ids: Callable[[], Collection[str]], fields_of: FieldsOf
    ) -> None:
        self._journal = journal
        self._run_ids = run_ids
        self._fields_of = fields_of

    def run_updates(self, /, run_id: str | None = None, **fields: Any) -> list[RunUpdate]:
        """Every ``PATCH`` of ``run_id`` (or of any run) in arrival order, rejected ones too.

        ``fields`` keeps the updates that sent at least those fields, matched as the asserts do.
        """
        __tracebackhide__ = True
        check_fields("run_updates", UPDATE_RUN, fields, self._fields_of)
        entries = (
            self._journal.of_operation(UPDATE_RUN)
            if run_id is None
            else [e for e in self._journal.of_run(run_id) if e.operation == UPDATE_RUN]
        )
        updates = [RunUpdate.from_request(entry) for entry in entries]
        return [u for u in updates if fields_match(u.fields, fields)] if fields else updates

    def assert_run_updated(self, /, run_id: str, **fields: Any) -> RunUpdate:
        """Some applied update of ``run_id`` sent at least ``fields``; returns the first such."""
        __tracebackhide__ = True
        check_fields("assert_run_updated", UPDATE_RUN, fields, self._fields_of)
        shown = shown_fields(fields)
        found = self._matching(run_id, fields)
        if not found:
            run = canonical_id(str(run_id))
            what = f"no applied update of run {run} sent the expected fields."
            self._fail("assert_run_updated", run_id, fields, shown, what)
        return found[0][1]

    def assert_run_updated_once(self, /, run_id: str, **fields: Any) -> RunUpdate:
        """Exactly one applied update of ``run_id`` sent at least ``fields``; returns it."""
        __tracebackhide__ = True
        check_fields("assert_run_updated_once", UPDATE_RUN, fields, self._fields_of)
        shown = shown_fields(fields)
        found = self._matching(run_id, fields)
        if len(found) != 1:
            run = canonical_id(str(run_id))
            numbers = ", ".join(f"#{number}" for number, _ in found)
            what = (
                f"{len(found)} applied updates of run {run} ({numbers}) sent the expected "
                "fields; expected exactly one."
                if found
                else f"no applied update of run {run} sent the expected fields; expected one."
            )
            self._fail("assert_run_updated_once", run_id, fields, shown, what)
        return found[0][1]

    def assert_run_status_history(self, run_id: str, statuses: Sequence[Any]) -> None:
        """The run's every applied change of status, in order, equals ``statuses``: a PATCH that
        sent a status, ``pause_run``, ``resume_run``, ``cancel_run``.

        A PATCH that sent no status (or ``"status": null``, which leaves it unchanged) is skipped.
        """
        __tracebackhide__ = True
        expected = list(statuses)
        shown = [describe_expected(status) for status in expected]
        calls = status_calls(self._journal.of_run(run_id))
        changes = status_changes(calls)
        history = [change.status for change in changes]
        if len(history) == len(expected) and all(
            match_value(e, s)[0] for e, s in zip(expected, history, strict=False)
        ):
            return
        run = canonical_id(str(run_id))
        made_by = [change.operation for change in changes]
        lines = [
            f"assert_run_status_history: the status history of run {run} differs.",
            f"  expected: [{', '.join(shown)}]",
            f"  history:  {short(history)}  (every applied change of status, in order)",
            f"  {first_difference(expected, shown, history, made_by)}",
        ]
        if calls:
            lines.append(
                f"Calls that change the status of run {run} ({len(calls)} recorded), in order:"
            )
            for number, call in enumerate(calls, 1):
                line = describe(number, call, f"{call.operation} ")
                if not call.applied:
                    line += "  <- not counted"
                elif (status := status_of(call)) is None:
                    line += "  <- no status, skipped"
                else:
                    line += f"  -> {status}"
                lines.append(line)
        else:
            lines.extend(self._other_runs(run))
        raise AssertionError("\n".join(lines))

    def assert_no_run_updates(self, run_id: str | None = None) -> None:
        """No applied update of ``run_id`` (or of any run, when ``run_id`` is None).

        Rejected attempts do not count (the fake changed nothing); ``run_updates()`` lists them.
        """
        __tracebackhide__ = True
        updates = self.run_updates(run_id)
        if not any(u.applied for u in updates):
            return
        target = "any run" if run_id is None else f"run {canonical_id(str(run_id))}"
        lines = [f"assert_no_run_updates: expected no applied update of {target}, but:"]
        for run in dict.fromkeys(u.run_id for u in updates):
            own = [u for u in updates if u.run_id == run]
            lines.append(f"Updates of run {run} ({len(own)} recorded), in order:")
            lines.extend(describe(number, update) for number, update in enumerate(own, 1))
        raise AssertionError("\n".join(lines))

    # -- shared ----------------------------------------------------------------------------
    def _matching(self, run_id: str, fields: Mapping[str, Any]) -> list[tuple[int, RunUpdate]]:
        """The applied updates that match, with their numbers as the messages show them."""
        updates = enumerate(self.run_updates(run_id), 1)
        return [(n, u) for n, u in updates if u.applied and matches(u, fields)]

    def _fail(
        self,
        helper: str,
        run_id: str,
        fields: Mapping[str, Any],
        shown: Mapping[str, str],
        what: str,
    ) -> NoReturn:
        __tracebackhide__ = True
        run = canonical_id(str(run_id))
        updates = list(enumerate(self.run_updates(run_id), 1))
        raise AssertionError(
            miss_message(
                f"{helper}: {what}",
                shown,
                updates,
                fields,
                listed=f"Updates of run {run}",
                otherwise=self._other_runs(run) if not updates else (),
            )
        )

    def _other_runs(self, run: str) -> list[str]:
        lines = [f"Run {run} got no updates at all (applied or rejected)."]
        if run not in self._run_ids():
            lines[0] += " The fake has no run with this id."
        others: dict[str, list[RunUpdate]] = {}
        for update in self.run_updates():
            others.setdefault(update.run_id, []).append(update)
        if not others:
            lines.append("No run got any update.")
            return lines
        lines.append("Runs that did get updates:")
        for other, updates in others.items():
            applied = sum(u.applied for u in updates)
            statuses = [u.status for u in updates if u.status is not None]
            lines.append(
                f"  {other} (mission {updates[0].mission_id}): {plural(len(updates), 'update')}, "
                f"{applied} applied, {len(updates) - applied} rejected; "
                f"statuses sent: {short(statuses)}"
            )
        return lines
