"""The opinion map's math without a database: hand-computed figures on a small matrix,
and planted opinion groups (2, 3, 4, with noise and 30-70% of votes missing) recovered,
with the planted consensus statements first."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from cps.services.consensus import analysis
from cps.services.consensus.analysis import Matrix, State

NAN = np.nan

# Six people, three statements; groups A (rows 0-2) and B (rows 3-5) given by hand.
SMALL = np.array([
    [1, 1, 1],
    [1, -1, 1],
    [1, NAN, 0],
    [-1, 1, 1],
    [-1, 1, NAN],
    [NAN, 1, 1],
], dtype=float)
LABELS = np.array([0, 0, 0, 1, 1, 1])


def test_representativeness_matches_the_figures_worked_by_hand() -> None:
    figures = analysis.repness(SMALL, LABELS == 0)
    # Statement 1 in group A: 3 of 3 agree; of the rest, 0 of 2 agree.
    assert figures.agree[0] == 3 and figures.seen[0] == 3
    assert figures.pa[0] == pytest.approx(4 / 5)  # (1 + 3) / (2 + 3)
    assert figures.pat[0] == pytest.approx(2.0)  # 2 sqrt(4) ((3 + 1) / (3 + 1) - 1/2)
    assert figures.ra[0] == pytest.approx(3.2)  # 0.8 / ((1 + 0) / (2 + 2))
    # Two proportions with a pseudo-count: 4/4 against 1/3, pooled 5/7.
    pooled = 5 / 7
    z = (1 - 1 / 3) / math.sqrt(pooled * (1 - pooled) * (1 / 4 + 1 / 3))
    assert figures.rat[0] == pytest.approx(z) and z == pytest.approx(1.93218, abs=1e-5)
    # Statement 2 in group A: 1 agree, 1 disagree of 2.
    assert figures.pa[1] == pytest.approx(0.5)  # (1 + 1) / (2 + 2)
    assert figures.pat[1] == pytest.approx(2 * math.sqrt(3) * (2 / 3 - 0.5))  # 0.577: not
    assert figures.pat[1] < analysis.Z90  # significant

    [rep] = analysis.representative([11, 12, 13], figures)
    assert (rep.statement_id, rep.direction, rep.share) == (11, "agree", 1.0)
    assert rep.r * rep.r_test * rep.p * rep.p_test == pytest.approx(3.2 * z * 0.8 * 2.0)
    # Group B: statement 1 is its defining disagreement (2 of 2 disagree, 0 of 3 elsewhere).
    b = analysis.representative([11, 12, 13], analysis.repness(SMALL, LABELS == 1))
    assert [(r.statement_id, r.direction) for r in b][0] == (11, "disagree")


def test_group_informed_consensus_matches_the_figures_worked_by_hand() -> None:
    agree, disagree = analysis.group_informed_consensus(SMALL, LABELS)
    # Statement 3: A 2 of 3 agree -> 3/5; B 2 of 2 -> 3/4.
    assert agree[2] == pytest.approx(3 / 5 * 3 / 4)
    # Statement 2: A 1 of 2 -> 2/4; B 3 of 3 -> 4/5.
    assert agree[1] == pytest.approx(2 / 4 * 4 / 5)
    # Statement 1: A 3 of 3 -> 4/5; B none of 2 -> 1/4. Disagree: A 1/5, B 3/4.
    assert agree[0] == pytest.approx(4 / 5 * 1 / 4)
    assert disagree[0] == pytest.approx(1 / 5 * 3 / 4)
    # Only statement 3 has a majority in each group and overall (4 of 5: z = 1.633).
    assert analysis.prop_test(np.array([4.0]), np.array([5.0]))[0] == pytest.approx(
        2 * math.sqrt(6) * (5 / 6 - 0.5))
    [found] = analysis.consensus([11, 12, 13], SMALL, LABELS)
    assert (found.statement_id, found.direction) == (13, "agree")
    assert found.score == pytest.approx(0.45)


def test_comment_priority_puts_unseen_and_divisive_statements_first() -> None:
    fresh = analysis.priority(seen=0, agrees=0, passes=0, extremity=0.0)
    worn = analysis.priority(seen=40, agrees=20, passes=0, extremity=0.0)
    divisive = analysis.priority(seen=40, agrees=20, passes=0, extremity=2.0)
    passed = analysis.priority(seen=40, agrees=5, passes=30, extremity=2.0)
    assert fresh > divisive > worn and divisive > passed
    # (importance * (1 + 8 * 2^0))^2 with importance (1 - 1/2) * 1 * 1/2.
    assert fresh == pytest.approx((0.25 * 9) ** 2)


# --- planted opinion groups ----------------------------------------------------------

CONSENSUS = 3  # the first statements: every group agrees


def _profiles(groups: int, statements: int, rng: np.random.Generator) -> np.ndarray:
    """Each group's stance on each statement. The consensus statements are agreed by
    all; every other one splits the groups. Four groups sit on two axes of opinion
    (two independent questions), as a two-dimensional map can show them."""
    profiles = np.zeros((groups, statements))
    profiles[:, :CONSENSUS] = 1.0
    rest = statements - CONSENSUS
    if groups == 4:
        half = rest // 2
        first, second = rng.choice([-1.0, 1.0], half), rng.choice([-1.0, 1.0], rest - half)
        for g, (a, b) in enumerate(((1, 1), (1, -1), (-1, 1), (-1, -1))):
            profiles[g, CONSENSUS:CONSENSUS + half] = a * first
            profiles[g, CONSENSUS + half:] = b * second
        return profiles
    for j in range(CONSENSUS, statements):
        column = rng.choice([-1.0, 1.0], groups)
        while len(set(column)) < 2:
            column = rng.choice([-1.0, 1.0], groups)
        profiles[:, j] = column
    return profiles


def planted(groups: int, *, per_group: int = 60, statements: int = 60, noise: float = 0.1,
            missing: float = 0.5, seed: int = 0) -> tuple[Matrix, dict[int, int]]:
    """A round's votes: `per_group` people per group vote their group's stance, each
    vote flipped with probability `noise`, each left out with probability `missing`."""
    rng = np.random.default_rng(seed)
    profiles = _profiles(groups, statements, rng)
    rows: list[tuple[int, int, int]] = []
    truth: dict[int, int] = {}
    for g in range(groups):
        for _ in range(per_group):
            user = 1000 + len(truth)
            truth[user] = g
            votes = profiles[g] * np.where(rng.random(statements) < noise, -1, 1)
            for j in np.flatnonzero(rng.random(statements) >= missing):
                rows.append((user, int(j) + 1, int(votes[j])))
    return Matrix.of(rows, list(range(1, statements + 1))), truth


@pytest.mark.parametrize("groups", [2, 3, 4])
@pytest.mark.parametrize("missing", [0.3, 0.5, 0.7])
def test_planted_groups_are_recovered_and_planted_consensus_ranks_first(
        groups: int, missing: float) -> None:
    matrix, truth = planted(groups, missing=missing, seed=groups * 10 + int(missing * 10))
    found = analysis.compute(matrix, State())
    placed = sorted(found.positions)
    assert len(placed) >= 0.9 * len(truth)
    ari = adjusted_rand_score([truth[u] for u in placed],
                              [found.positions[u][2] for u in placed])
    assert ari >= 0.9, ari
    assert len(found.groups) == groups and found.state.k == groups
    top = found.consensus[:CONSENSUS]
    assert {c.statement_id for c in top} == set(range(1, CONSENSUS + 1)), found.consensus
    assert all(c.direction == "agree" for c in top)
    # Every group is defined by statements that split it from the rest, never by a
    # consensus statement.
    for group in found.groups:
        assert group.representative
        assert all(r.statement_id > CONSENSUS for r in group.representative)


def test_who_is_placed_on_the_map() -> None:
    # 20 people voted on all 10 statements; one voted on 6 (fewer than 7): not placed.
    rows = [(u, s, 1 if (u + s) % 2 else -1) for u in range(20) for s in range(10)]
    rows += [(99, s, 1) for s in range(6)]
    matrix = Matrix.of(rows, list(range(10)))
    found = analysis.compute(matrix, State())
    assert 99 not in found.positions and len(found.positions) == 20
    # Placed once, placed for good.
    again = analysis.compute(matrix, State(placed=[99]))
    assert 99 in again.positions
    # Fewer than 15 with enough votes: the most active are added up to 15.
    few = Matrix.of([(u, s, 1) for u in range(20) for s in range(u % 5 + 1)], list(range(10)))
    assert len(analysis.compute(few, State()).positions) == 15
    # With three statements, three votes are enough.
    three = Matrix.of([(u, s, 1 if u % 2 else -1) for u in range(16) for s in range(3)],
                      [0, 1, 2])
    assert len(analysis.compute(three, State()).positions) == 16


def test_the_number_of_groups_changes_only_after_winning_several_recomputes_in_a_row() -> None:
    matrix, _ = planted(3, missing=0.3, seed=7)
    state = State(k=2)
    ks = []
    for _ in range(analysis.K_STREAK):
        found = analysis.compute(matrix, state)
        state = found.state
        ks.append((len(found.groups), state.challenger, state.streak))
    assert ks == [(2, 3, 1), (2, 3, 2), (2, 3, 3), (3, None, 0)]
    after = analysis.choose_k({2: 0.6, 3: 0.5}, State(k=3, challenger=2, streak=3))
    assert (after.k, after.challenger, after.streak) == (2, None, 0)  # the fourth win
    # A challenger that stops winning starts again from nothing.
    reset = analysis.choose_k({2: 0.4, 3: 0.5}, State(k=3, challenger=2, streak=3))
    assert (reset.k, reset.challenger, reset.streak) == (3, None, 0)


def test_a_number_of_groups_no_recompute_could_choose_before_is_taken_at_once() -> None:
    """Found by the demo: a round's first recompute, with a handful of voters, could
    only make two groups; the three opinion groups then had to win four recomputes in
    a row, and a round whose votes came in one burst kept two groups for good."""
    first = analysis.choose_k({2: 0.84}, State())
    assert (first.k, first.k_top) == (2, 2)
    grown = analysis.choose_k({2: 0.47, 3: 0.82}, first)
    assert (grown.k, grown.challenger, grown.streak, grown.k_top) == (3, None, 0, 3)
    # Between choices it had, the map holds as before: one win changes nothing.
    back = analysis.choose_k({2: 0.9, 3: 0.5}, grown)
    assert (back.k, back.challenger, back.streak) == (3, 2, 1)
    # A k possible while the current one held (but not best then) needs its streak.
    held = analysis.choose_k({2: 0.8, 3: 0.5, 4: 0.6}, State(k=2, k_top=2))
    assert (held.k, held.k_top) == (2, 4)
    four = analysis.choose_k({2: 0.5, 3: 0.4, 4: 0.8}, held)
    assert (four.k, four.challenger, four.streak) == (2, 4, 1)
    # A map stored before `k_top` was kept: the streak, as it was.
    old = State.from_json(State(k=2).to_json())
    assert old.k_top is None
    assert analysis.choose_k({2: 0.47, 3: 0.82}, old).k == 2


def test_recomputes_keep_the_map_steady() -> None:
    matrix, _ = planted(3, missing=0.5, seed=3)
    first = analysis.compute(matrix, State())
    second = analysis.compute(matrix, first.state)
    for user, (x, y, g) in first.positions.items():
        x2, y2, g2 = second.positions[user]
        assert (x2, y2, g2) == pytest.approx((x, y, g))
    # The state survives its trip through the database.
    assert State.from_json(first.state.to_json()) == first.state


def test_small_and_empty_rounds() -> None:
    assert analysis.compute(Matrix.of([], [1, 2]), State()).positions == {}
    assert analysis.compute(Matrix.of([(1, 1, 1)], []), State()).positions == {}
    one = analysis.compute(Matrix.of([(1, 1, 1), (2, 1, 1), (3, 1, -1)], [1]), State())
    assert len(one.positions) == 3 and [g.size for g in one.groups] == [3]
    # Everyone agreeing on everything: no spread, one point, no warnings.
    same = analysis.compute(Matrix.of([(u, s, 1) for u in range(30) for s in range(5)],
                                      list(range(5))), State())
    assert {(x, y) for x, y, _ in same.positions.values()} == {(0.0, 0.0)}
    assert [c.statement_id for c in same.consensus] == list(range(5))


def test_two_camps_voting_alike_are_two_groups() -> None:
    # Each camp's people vote exactly alike: two distinct points on the map.
    camps = Matrix.of([(u, s, 1 if u % 2 == s % 2 else -1) for u in range(20) for s in range(4)],
                      [0, 1, 2, 3])
    found = analysis.compute(camps, State())
    assert sorted(g.size for g in found.groups) == [10, 10]
    assert len({(x, y) for x, y, _ in found.positions.values()}) == 2
