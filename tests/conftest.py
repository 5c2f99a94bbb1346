from __future__ import annotations

import pytest

from .oracle import Oracle


@pytest.fixture(scope="session")
def oracle() -> Oracle:
    return Oracle()
