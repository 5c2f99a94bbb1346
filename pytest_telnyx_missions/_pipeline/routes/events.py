"""Handlers for events, a run's audit trail."""

from __future__ import annotations

from typing import Any

from ..._api.models import CreateEventRequest, Event, RecentEventsQuery, RunEventsQuery
from ..operations import Call
from ._paging import data, page


def list_recent_events(call: Call) -> dict[str, Any]:
    query = call.query_as(RecentEventsQuery)
    events = [e for e in call.store.events_of() if query.type is None or e.type == query.type]
    events.sort(key=lambda e: e.timestamp, reverse=True)
    return page(events, query)


def list_events(call: Call) -> dict[str, Any]:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    query = call.query_as(RunEventsQuery)
    wanted = {"type": query.type, "step_id": query.step_id, "agent_id": query.agent_id}
    events = [
        event
        for event in call.store.events_of(run.run_id)
        if all(value is None or getattr(event, key) == value for key, value in wanted.items())
    ]
    return page(events, query)  # oldest first: the order things happened


def log_event(call: Call) -> dict[str, Any]:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    sent = call.body_as(CreateEventRequest)
    if sent.idempotency_key is not None:
        for earlier in call.store.events_of(run.run_id):
            if earlier.idempotency_key == sent.idempotency_key:
                return data(earlier)  # a retry: the original event, not a duplicate
    event = Event(
        event_id=call.store.new_id(),
        run_id=run.run_id,
        timestamp=call.store.now(),
        **sent.model_dump(mode="json"),
    )
    return data(call.store.put_event(event))


def get_event(call: Call) -> dict[str, Any]:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    return data(call.store.event(run, call.path["event_id"]))
