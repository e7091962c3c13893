"""The frame budget of one socket, on its own (the flood over a real socket is in
test_protocol.py)."""

from __future__ import annotations

from cps.live.endpoint import FRAME_BURST, FrameBudget


def test_a_burst_beyond_the_budget_is_refused_frame_by_frame() -> None:
    budget = FrameBudget(rate=20.0, burst=60.0)
    taken = [budget.take() for _ in range(100)]
    assert taken[:60] == [True] * 60
    assert taken[60:].count(False) >= 38  # a few tokens refill while the loop runs
    assert budget.strikes == taken.count(False)


def test_a_client_that_calmed_down_is_forgiven_its_past_bursts() -> None:
    """Occasional bursts over a long session must not add up to a 1008."""
    budget = FrameBudget(rate=20.0, burst=60.0)
    for _ in range(6):
        for _ in range(100):
            budget.take()
        assert 0 < budget.strikes <= 3 * FRAME_BURST
        budget.stamp -= 3.0  # three quiet seconds: the bucket is full again
    budget.take()
    assert budget.strikes == 0


def test_a_sustained_flood_keeps_its_strikes() -> None:
    budget = FrameBudget(rate=20.0, burst=60.0)
    for _ in range(60 + int(3 * FRAME_BURST) + 1):
        budget.take()
    assert budget.strikes > 3 * FRAME_BURST
