"""The contract suite: live-portable scenarios of every operation of the Missions API.

Against the fake (``pytest --pyargs pytest_telnyx_missions.contract``) they pass as any test
does; with ``--telnyx-missions-live`` (and ``TELNYX_MISSIONS_LIVE_API_KEY``) the same requests go
to the real API while the fake shadows them, and every place the fake answers otherwise is
reported (docs: "Checking the fake against the real API"). Each scenario makes what it needs
through the API, asserts only what the API documents, and leaves the comparison to judge what
the docs leave open (initial statuses, ``finished_at``, transitions, ordering, error bodies).
"""
