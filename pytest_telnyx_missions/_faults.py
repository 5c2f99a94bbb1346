"""Fault rules: match a request, then answer an error, wait, drop or garble."""

from __future__ import annotations


class FaultControls:
    """``fail_next`` and ``add_fault``; relies on the host's fault registry."""
