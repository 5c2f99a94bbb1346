"""What a fired fault rule answers: an error body as the real API words it, or broken bytes.

``_faults`` decides which rule fires for a request; this module builds the answer.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ValidationError

from ..._api.answers import Outcome, reason_phrase
from ..._api.errors import (
    BODY_PARSE_ERROR,
    TELNYX_ERRORS,
    ApiError,
    pydantic_errors,
    telnyx_error,
    validation_error,
)
from ..._api.json_text import dump_json
from ..._api.models import UUID_ADAPTER
from ..._config import did_you_mean

if TYPE_CHECKING:
    from ..operations import Operation
    from .options import Fault

__all__ = ["Firing", "check_generated_field", "generated_errors"]

# Values the real request models reject, tried in turn to make pydantic word a 422 for a field:
# "completed" is the classic wrong run status and not an object; 12345 is not a string.
_BAD_VALUES: tuple[Any, ...] = ("completed", 12345)
_GARBAGE = random.Random(5).randbytes(64) + b"\r\n\r\n"  # ends like a header block


class _Rule(Protocol):
    """What a firing tells of its rule (``_faults.FaultRule``, which imports this module)."""

    @property
    def total(self) -> int | None: ...


@dataclass(frozen=True)
class Firing:
    """A rule firing for one request: the pipeline asks it what to answer."""

    rule: _Rule
    fault: Fault
    count: int
    operation: Operation
    params: Mapping[str, str]
    sent: Any
    released: threading.Event
    """Set when the rule's test is over (reset, ``clear_faults``): a pending delay ends early."""

    @property
    def passes_through(self) -> bool:
        # A GET changes nothing, so a truncated answer to one can be the real answer, cut.
        truncated_read = self.fault.malformed == "truncated" and self.operation.method == "GET"
        return self.fault.passes_through or (truncated_read and self.fault.status is None)

    @property
    def description(self) -> str:
        total = "every matching request" if self.rule.total is None else self.rule.total
        return f"{self.rule}, answer {self.count} of {total}: {self.fault}"

    def stop(self) -> ApiError:
        """What the pipeline raises to skip the rest of a request the fault answers instead."""
        return ApiError(0, None)

    def wait(self) -> None:
        """The latency; the pipeline calls it after recording, never holding the store's lock."""
        if self.fault.delay:
            # Not time.sleep: a long delay must not outlive the test that asked for it, nor keep
            # a server thread (and the end of the session) waiting.
            self.released.wait(float(self.fault.delay))

    def answer(self, outcome: Outcome) -> Outcome:
        """What to send instead of ``outcome`` (the pipeline's own, when it passed through)."""
        fault = self.fault
        if fault.drop:
            return outcome._replace(status=0, body=None, headers={}, wire=b"")
        if fault.malformed == "garbage":
            return outcome._replace(status=0, body=None, headers={}, wire=_GARBAGE)
        headers = fault.response_headers()
        if fault.status is not None:
            status, body = fault.status, self._error_body(fault.status)
        elif self.passes_through:
            status, body, headers = outcome.status, outcome.body, {**outcome.headers, **headers}
        else:  # truncated, not applied: a plausible start of a success answer, cut anyway
            status, body = self.operation.success_status, {"data": dict(self.params)}
        if fault.malformed == "truncated":
            return outcome._replace(
                status=status, body=None, headers=headers, wire=_cut(status, body, headers)
            )
        return outcome._replace(status=status, body=body, headers=headers, wire=None)

    def _error_body(self, status: int) -> Any:
        fault = self.fault
        if fault.body is not None:
            return fault.body
        if status == 422:
            if isinstance(fault.detail, str):
                return {"detail": fault.detail}
            errors = fault.detail
            if errors is None:
                errors = generated_errors(self.operation, self.sent, fault.field, self.params)
            return validation_error(errors).body
        if status == 400:
            # The Missions service is FastAPI: its own 400 is the body-parse error.
            return BODY_PARSE_ERROR if fault.detail is None else {"detail": fault.detail}
        title = None if status in TELNYX_ERRORS else (reason_phrase(status) or None)
        detail = fault.detail if isinstance(fault.detail, str) else None
        return telnyx_error(status, detail, title=title).body


def check_generated_field(operation: Operation, name: str | None) -> None:
    """Raise ``ValueError`` now if a 422 could not be generated for ``operation``'s ``name``."""
    generated_errors(operation, None, name, {})


def generated_errors(
    operation: Operation, sent: Any, name: str | None, params: Mapping[str, str]
) -> list[dict[str, Any]]:
    """A 422's ``detail`` as pydantic words it for a bad value of field ``name``, whose
    ``input`` is what the request actually sent there.

    Without ``name``: the first field the request sent that the model knows, else the first
    field; a field the body does not hold is reported missing, as pydantic does. Operations
    without a body get a UUID error on their last path id.
    """
    model: type[BaseModel] | None = operation.body
    if model is None:
        ids = [param for param in operation.pattern.groupindex if param in operation.uuid_params]
        if name is not None or not ids:
            raise ValueError(f"{operation.name} has no body: pass detail= for its 422")
        errors = _first_errors(UUID_ADAPTER.validate_python, ("path", ids[-1]))
        return _with_input(errors, ("path", ids[-1]), params, ids[-1])
    known = list(model.model_fields)
    if name is None:
        sent_names = [key for key in sent if key in known] if isinstance(sent, dict) else []
        name = (sent_names or known)[0]
    if name not in known:
        near = did_you_mean(name, known)
        raise ValueError(
            f"{operation.name} has no body field {name!r}; {near + ' ' if near else ''}"
            f"fields: {', '.join(known)}"
        )
    chosen = name
    errors = _first_errors(lambda bad: model.model_validate({chosen: bad}), ("body",))
    if isinstance(sent, dict) and chosen not in sent:
        # What pydantic says of a field the body does not hold: required, with the body as input.
        return [
            {"type": "missing", "loc": ("body", chosen), "msg": "Field required", "input": sent}
        ]
    return _with_input(errors, ("body", chosen), sent, chosen)


def _with_input(
    errors: list[dict[str, Any]], loc: tuple[str, ...], sent: Any, key: str
) -> list[dict[str, Any]]:
    """The errors about ``loc`` with the value the request sent there as their ``input``."""
    if not isinstance(sent, Mapping) or key not in sent:
        return errors  # nothing was sent there (no JSON body): pydantic's own example value
    return [
        {**error, "input": sent[key]} if tuple(error["loc"][: len(loc)]) == loc else error
        for error in errors
    ]


def _first_errors(validate: Callable[[Any], Any], prefix: tuple[str, ...]) -> list[dict[str, Any]]:
    for bad in _BAD_VALUES:
        try:
            validate(bad)
        except ValidationError as exc:
            return pydantic_errors(exc, prefix)
    raise ValueError(f"cannot make a validation error for {prefix}: pass detail=")


def _cut(status: int, body: Any, headers: Mapping[str, str]) -> bytes:
    payload = dump_json(body)
    payload = payload[: max(1, len(payload) // 2)]
    lines = [
        f"HTTP/1.1 {status} {reason_phrase(status)}".rstrip(),
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
        "Connection: close",
        *(f"{key}: {value}" for key, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload
