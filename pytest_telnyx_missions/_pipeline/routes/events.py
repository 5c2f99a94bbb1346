"""Handlers for events, a run's audit trail."""

from __future__ import annotations

from ..._api.models import CreateEventRequest, Event, RecentEventsQuery, RunEventsQuery
from ..operations import Call
from ._paging import Answer, data, page


def list_recent_events(call: Call) -> Answer:
    query = call.query_as(RecentEventsQuery)
    return page(call.store.recent_events(query.type), query)  # newest first


def list_events(call: Call) -> Answer:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    query = call.query_as(RunEventsQuery)
    events = call.store.events_listed(run.run_id, query.type, query.step_id, query.agent_id)
    return page(events, query)  # oldest first: the order things happened


def log_event(call: Call) -> Answer:
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


def get_event(call: Call) -> Answer:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    return data(call.store.event(run, call.path["event_id"]))
