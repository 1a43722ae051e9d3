from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from statuspage.status.models import Incident


@pytest.fixture
def outage(open_outage) -> Callable[..., Incident]:
    """Opens disbursement's outage when called, with an alternative channel: after the test's
    subscribers have confirmed, so that they are its audience."""
    return partial(open_outage, alternative_channel="Use the mini-program.")
