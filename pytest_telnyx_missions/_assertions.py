"""Assertion helpers over recorded run updates (mixed into ``FakeMissions``)."""

from __future__ import annotations


class RunUpdateAssertions:
    """``assert_run_updated`` and friends; relies on the host's ``run_updates``."""
