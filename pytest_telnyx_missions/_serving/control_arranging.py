"""``POST /_fake/<resource>``: one resource arranged over HTTP, as the ``add_*`` methods do.

For code in another process (or language) that needs one run with a chosen id, an event to resume
from, a linked agent, without replacing the whole state: the body is the method's keyword
arguments, checked by the method itself, so a mistake gets the message ``add_run`` would raise.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from .._api.answers import Outcome
from .._api.request import Incoming

ARRANGING_METHODS: Mapping[str, str] = {
    "missions": "add_mission",
    "runs": "add_run",
    "events": "add_event",
    "plan_steps": "add_plan_step",
    "agents": "link_agent",
    "knowledge_bases": "add_knowledge_base",
    "mcp_servers": "add_mcp_server",
    "tools": "add_tool",
}
"""Each control path ``/_fake/<resource>`` and the fake's method that makes one."""


def arranging_routes(fake: object) -> dict[str, Callable[[Incoming], Outcome]]:
    """The POST handler of each ``/_fake/<resource>``, calling that method of ``fake``."""
    return {
        f"/_fake/{resource}": _arranging(getattr(fake, method), method)
        for resource, method in ARRANGING_METHODS.items()
    }


def _arranging(add: Callable[..., Any], method: str) -> Callable[[Incoming], Outcome]:
    def handle(request: Incoming) -> Outcome:
        try:
            given = json.loads(request.body or b"{}")
        except RecursionError:  # deeper than any value the fake could answer with anyway
            return _refused(method, "body: Invalid JSON: nested too deeply to read")
        except ValueError as error:
            return _refused(method, f"body: Invalid JSON: {error}")
        if not isinstance(given, dict):
            return _refused(method, "body: Input should be an object of the method's arguments")
        try:
            made = add(**given)
        except ValidationError as error:  # a value its model refuses: named as pydantic names it
            return _refused(method, "; ".join(_problem(e) for e in error.errors(include_url=False)))
        except (TypeError, ValueError, LookupError) as error:  # the method's own message
            return _refused(method, str(error).removeprefix("Arranger."))
        data = made.model_dump(mode="json") if isinstance(made, BaseModel) else made
        return Outcome(201, {"data": data})

    return handle


def _refused(method: str, why: str) -> Outcome:
    return Outcome(400, {"error": f"Invalid {method} body: {why}"})


def _problem(error: Mapping[str, Any]) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "body"
    return f"{where}: {error['msg']} (got {error['input']!r})"
