"""The answer headers the SDK acts on, compared (a part of the comparison engine; pure)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

SDK_HEADERS = ("content-type", "retry-after", "retry-after-ms", "x-should-retry")
"""The answer headers the official SDK acts on; no other header is compared."""

_HTTP_DATE = re.compile(r"^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$")


def header_divergences(
    fake: Mapping[str, str], real: Mapping[str, str]
) -> Iterator[tuple[str, str, str | None, str | None]]:
    """``(kind, path, fake, real)`` for each SDK header that differs (kinds of ``_compare``)."""
    fake_headers = {name.lower(): value for name, value in fake.items()}
    real_headers = {name.lower(): value for name, value in real.items()}
    for name in SDK_HEADERS:
        path = f"headers.{name}"
        fake_value, real_value = fake_headers.get(name), real_headers.get(name)
        if fake_value is None and real_value is None:
            continue
        if real_value is None:
            yield ("header_only_in_fake", path, fake_value, None)
        elif fake_value is None:
            yield ("header_only_in_real", path, None, real_value)
        elif name == "content-type":
            fake_type, _, fake_params = fake_value.partition(";")
            real_type, _, real_params = real_value.partition(";")
            if fake_type.strip().lower() != real_type.strip().lower():
                yield ("header", path, fake_value, real_value)
            elif _params(fake_params) != _params(real_params):
                yield ("header_format", path, fake_value, real_value)
        elif name == "x-should-retry":
            if fake_value.strip().lower() != real_value.strip().lower():
                yield ("header", path, fake_value, real_value)
        elif _wait_form(fake_value) != _wait_form(real_value):
            # how long to wait is the server's call; the SDK must be able to read it
            yield ("header_format", path, fake_value, real_value)


def _params(text: str) -> set[str]:
    return {part.strip().lower().replace(" ", "") for part in text.split(";") if part.strip()}


def _wait_form(value: str) -> str:
    value = value.strip()
    if re.fullmatch(r"\d+", value):
        return "integer"
    if re.fullmatch(r"\d*\.\d+", value):
        return "decimal"
    return "http-date" if _HTTP_DATE.match(value) else "other"
