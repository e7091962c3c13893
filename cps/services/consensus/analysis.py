"""The opinion map's math, as Pol.is publishes it (docs/consensus.md, "The math").

Pure functions over a vote matrix (participants x statements: agree = +1,
disagree = -1, pass = 0, unseen = NaN), with numpy and scikit-learn:

1. Who is placed: whoever voted on at least min(7, statements) statements, and
   whoever was placed before; below 15 placed, the most active voters are added
   until there are 15.
2. Missing votes are filled with the statement's mean over the placed; PCA to two
   components; each person is projected from the statements they voted on,
   scaled by sqrt(statements / their votes) (Pol.is's sparsity-aware projection).
   The signs of the components follow the previous recompute's, so the map does
   not flip from one recompute to the next.
3. Groups: the distinct points (with their counts as weights), gathered into at
   most 100 buckets by k-means when there are more; weighted k-means over the
   buckets for k = 2 .. min(5, 2 + buckets // 12, buckets); k by the best weighted
   silhouette. The chosen k changes only after one new k has won `K_STREAK`
   recomputes in a row, unless no recompute since the current k was chosen could
   have chosen it (too few people then). Group ids follow the previous recompute's
   centres.
4. Per group, its representative statements: both the proportion test of the
   group's share and the two-proportion test against everyone else significant
   at 90% (z > 1.2816), ranked by ra * rat * pa * pat, the best agreeing one
   first, at most five.
5. Consensus: group-informed consensus, the product over groups of
   (agree + 1) / (seen + 2) (or of the disagree share), for statements that a
   majority of every group and a significant majority of everyone takes the same
   way; highest first.
6. `priority`: Pol.is's comment priority, which `next` ranks by.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

# scikit-learn (with the part of SciPy it loads) is imported where a recompute first uses
# it, in the recompute's worker thread: at the top it took 0.9 s of every process's start
# (each `cps serve` worker, each `cps` command), half of importing the whole app.

Direction = Literal["agree", "disagree"]
Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

AGREE: Final = 1
DISAGREE: Final = -1
PASS: Final = 0

Z90: Final = 1.2816  # one-sided 90%
PLACED_VOTES: Final = 7  # votes to enter the map (or every statement, when fewer)
PLACED_AT_LEAST: Final = 15  # the most active are added up to this many
BUCKETS: Final = 100
K_MIN: Final = 2
K_MAX: Final = 5
K_STREAK: Final = 4  # recomputes a new k must win in a row before it is taken
MIN_TO_GROUP: Final = 4  # fewer placed people than this form one group
REPRESENTATIVE_MAX: Final = 5
CONSENSUS_MAX: Final = 10


# --- input and state --------------------------------------------------------------


@dataclass(frozen=True)
class Matrix:
    """Votes as a dense matrix: rows are `users`, columns `statements` (ids)."""

    users: list[int]
    statements: list[int]
    values: Floats

    @classmethod
    def of(cls, votes: Iterable[Sequence[int]] | Ints, statements: Sequence[int]) -> Matrix:
        """From (user_id, statement_id, vote) rows (or an (n, 3) array of them); votes on
        other statements are left out. Vectorised: 1.8 million votes take well under a
        second."""
        if isinstance(votes, np.ndarray):
            triples = votes.astype(np.int64).reshape(-1, 3)
        else:
            triples = np.fromiter(chain.from_iterable(votes), dtype=np.int64).reshape(-1, 3)
        ids = np.asarray(statements, dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        known = ids[order]
        at = np.minimum(np.searchsorted(known, triples[:, 1]), max(len(known) - 1, 0))
        keep = (known[at] == triples[:, 1]) if len(known) else np.zeros(len(triples), bool)
        triples, columns = triples[keep], order[at[keep]]
        users, rows = np.unique(triples[:, 0], return_inverse=True)
        values = np.full((len(users), len(statements)), np.nan)
        values[rows.reshape(-1), columns] = triples[:, 2]
        return cls(users=[int(u) for u in users], statements=list(statements), values=values)


@dataclass
class State:
    """What keeps the map stable between recomputes (kept on the round, as JSON)."""

    k: int | None = None
    challenger: int | None = None
    streak: int = 0
    # The largest k any recompute could choose since `k` was chosen (None: not known,
    # a map stored before it was kept).
    k_top: int | None = None
    placed: list[int] = field(default_factory=list)
    # statement id -> its loadings on the two components
    components: dict[int, tuple[float, float]] = field(default_factory=dict)
    # group id -> its centre
    centres: dict[int, tuple[float, float]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({
            "k": self.k, "challenger": self.challenger, "streak": self.streak,
            "k_top": self.k_top, "placed": self.placed,
            "components": {str(s): list(c) for s, c in self.components.items()},
            "centres": {str(g): list(c) for g, c in self.centres.items()},
        })

    @classmethod
    def from_json(cls, text: str | None) -> State:
        if not text:
            return cls()
        data: dict[str, Any] = json.loads(text)
        return cls(
            k=data.get("k"), challenger=data.get("challenger"), streak=int(data.get("streak", 0)),
            k_top=data.get("k_top"),
            placed=[int(u) for u in data.get("placed", [])],
            components={int(s): (float(c[0]), float(c[1]))
                        for s, c in data.get("components", {}).items()},
            centres={int(g): (float(c[0]), float(c[1]))
                     for g, c in data.get("centres", {}).items()},
        )


# --- output -------------------------------------------------------------------------


@dataclass(frozen=True)
class Representative:
    statement_id: int
    direction: Direction
    share: float  # of the group's members who saw it, the part that voted this way
    p: float  # (1 + n) / (2 + seen)
    p_test: float
    r: float  # p against the same share of everyone else
    r_test: float


@dataclass(frozen=True)
class Group:
    id: int
    size: int
    representative: list[Representative]


@dataclass(frozen=True)
class Consensus:
    statement_id: int
    direction: Direction
    score: float


@dataclass(frozen=True)
class OpinionMap:
    positions: dict[int, tuple[float, float, int]]  # user id -> (x, y, group id)
    groups: list[Group]
    consensus: list[Consensus]
    extremity: dict[int, float]  # statement id -> E
    state: State

    def result_json(self) -> str:
        return json.dumps({
            "positions": {str(u): [round(x, 5), round(y, 5), g]
                          for u, (x, y, g) in self.positions.items()},
            "groups": [{"id": g.id, "size": g.size, "representative": [
                {"statement_id": r.statement_id, "direction": r.direction,
                 "share": round(r.share, 4)} for r in g.representative]}
                for g in self.groups],
            "consensus": [{"statement_id": c.statement_id, "direction": c.direction,
                           "score": round(c.score, 4)} for c in self.consensus],
            "extremity": {str(s): round(e, 5) for s, e in self.extremity.items()},
        })


# --- the statistics (Pol.is stats.clj) -------------------------------------------------


def prop_test(successes: Floats, n: Floats) -> Floats:
    """2 * sqrt(n + 1) * ((successes + 1) / (n + 1) - 0.5)."""
    return 2 * np.sqrt(n + 1) * ((successes + 1) / (n + 1) - 0.5)


def two_prop_test(succ_in: Floats, n_in: Floats, succ_out: Floats, n_out: Floats) -> Floats:
    """The two-proportion z test with one pseudo-count added to each figure."""
    s1, s2, n1, n2 = succ_in + 1, succ_out + 1, n_in + 1, n_out + 1
    pi1, pi2 = s1 / n1, s2 / n2
    pooled = (s1 + s2) / (n1 + n2)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(spread > 0, (pi1 - pi2) / np.where(spread > 0, spread, 1), 0.0)
    return np.asarray(z, dtype=np.float64)


def _counts(values: Floats) -> tuple[Floats, Floats, Floats]:
    """Per statement: agrees, disagrees, seen (any vote) among `values`' rows."""
    seen = ~np.isnan(values)
    agree = (values == AGREE).sum(axis=0).astype(np.float64)
    disagree = (values == DISAGREE).sum(axis=0).astype(np.float64)
    return agree, disagree, seen.sum(axis=0).astype(np.float64)


@dataclass(frozen=True)
class Repness:
    """Per statement figures of one group against everyone else placed."""

    pa: Floats
    pd: Floats
    pat: Floats
    pdt: Floats
    ra: Floats
    rd: Floats
    rat: Floats
    rdt: Floats
    agree: Floats
    disagree: Floats
    seen: Floats


def repness(values: Floats, in_group: Bools) -> Repness:
    na, nd, ns = _counts(values[in_group])
    oa, od, os_ = _counts(values[~in_group])
    pa, pd = (1 + na) / (2 + ns), (1 + nd) / (2 + ns)
    return Repness(
        pa=pa, pd=pd, pat=prop_test(na, ns), pdt=prop_test(nd, ns),
        ra=pa / ((1 + oa) / (2 + os_)), rd=pd / ((1 + od) / (2 + os_)),
        rat=two_prop_test(na, ns, oa, os_), rdt=two_prop_test(nd, ns, od, os_),
        agree=na, disagree=nd, seen=ns,
    )


def representative(statements: Sequence[int], figures: Repness) -> list[Representative]:
    """The group's defining statements: both tests significant in the direction its
    two-proportion test leans, ranked by r * r_test * p * p_test, the best agreeing
    one first, at most REPRESENTATIVE_MAX."""
    found: list[tuple[float, Representative]] = []
    for j, sid in enumerate(statements):
        if figures.seen[j] == 0:
            continue
        agrees = bool(figures.rat[j] > figures.rdt[j])
        p, pt, r, rt, n = (
            (figures.pa[j], figures.pat[j], figures.ra[j], figures.rat[j], figures.agree[j])
            if agrees else
            (figures.pd[j], figures.pdt[j], figures.rd[j], figures.rdt[j], figures.disagree[j])
        )
        if pt > Z90 and rt > Z90:
            rep = Representative(
                statement_id=sid, direction="agree" if agrees else "disagree",
                share=float(n / figures.seen[j]), p=float(p), p_test=float(pt), r=float(r),
                r_test=float(rt),
            )
            found.append((float(r * rt * p * pt), rep))
    found.sort(key=lambda m: (-m[0], m[1].statement_id))
    ranked = [rep for _, rep in found]
    best_agree = next((rep for rep in ranked if rep.direction == "agree"), None)
    if best_agree is not None:
        ranked.remove(best_agree)
        ranked.insert(0, best_agree)
    return ranked[:REPRESENTATIVE_MAX]


def group_informed_consensus(values: Floats, labels: Ints) -> tuple[Floats, Floats]:
    """Per statement, the product over groups of (agree + 1) / (seen + 2), and of
    (disagree + 1) / (seen + 2)."""
    agree = np.ones(values.shape[1])
    disagree = np.ones(values.shape[1])
    for g in np.unique(labels):
        na, nd, ns = _counts(values[labels == g])
        agree *= (na + 1) / (ns + 2)
        disagree *= (nd + 1) / (ns + 2)
    return agree, disagree


def consensus(statements: Sequence[int], values: Floats, labels: Ints) -> list[Consensus]:
    """Statements a majority of every group takes one way, significantly so overall,
    ranked by their group-informed consensus."""
    gic_agree, gic_disagree = group_informed_consensus(values, labels)
    na, nd, ns = _counts(values)
    overall_a, overall_d = prop_test(na, ns), prop_test(nd, ns)
    every_a = np.ones(values.shape[1], dtype=bool)
    every_d = np.ones(values.shape[1], dtype=bool)
    for g in np.unique(labels):
        ga, gd, gs = _counts(values[labels == g])
        every_a &= (ga + 1) / (gs + 2) > 0.5
        every_d &= (gd + 1) / (gs + 2) > 0.5
    found = []
    for j, sid in enumerate(statements):
        if every_a[j] and overall_a[j] > Z90:
            found.append(Consensus(sid, "agree", float(gic_agree[j])))
        elif every_d[j] and overall_d[j] > Z90:
            found.append(Consensus(sid, "disagree", float(gic_disagree[j])))
    found.sort(key=lambda c: (-c.score, c.statement_id))
    return found[:CONSENSUS_MAX]


def priority(*, seen: int, agrees: int, passes: int, extremity: float) -> float:
    """Pol.is's comment priority: (importance * (1 + 8 * 2^(-seen/5)))^2 with
    importance = (1 - p) * (E + 1) * a, p = (passes + 1)/(seen + 2),
    a = (agrees + 1)/(seen + 2). Statements seen by few, and divisive ones (a large
    E), come first."""
    p = (passes + 1) / (seen + 2)
    a = (agrees + 1) / (seen + 2)
    importance = (1 - p) * (extremity + 1) * a
    return float((importance * (1 + 8 * 2 ** (-seen / 5))) ** 2)


# --- placing, projecting, grouping --------------------------------------------------------


def placed_rows(matrix: Matrix, before: Sequence[int]) -> Bools:
    """Who is on the map: enough votes, or placed before; topped up to PLACED_AT_LEAST by
    the most active voters."""
    votes = (~np.isnan(matrix.values)).sum(axis=1)
    needed = min(PLACED_VOTES, len(matrix.statements))
    earlier = set(before)
    placed = np.array(
        [v >= needed or (u in earlier and v > 0) for u, v in zip(matrix.users, votes, strict=True)],
        dtype=bool,
    )
    missing = PLACED_AT_LEAST - int(placed.sum())
    if missing > 0:
        others = [i for i in np.argsort(-votes, kind="stable") if not placed[i] and votes[i] > 0]
        placed[others[:missing]] = True
    return placed


def project(values: Floats, statements: Sequence[int],
            previous: dict[int, tuple[float, float]]) -> tuple[Floats, Floats]:
    """Two-dimensional positions of the rows and the two components (2 x statements)."""
    n, s = values.shape
    votes = (~np.isnan(values)).sum(axis=1)
    means = np.zeros(s)
    seen = (~np.isnan(values)).any(axis=0)
    means[seen] = np.nanmean(values[:, seen], axis=0)
    filled = np.where(np.isnan(values), means, values)
    components = np.zeros((2, s))
    if n >= 2 and s >= 1 and float(filled.var(axis=0).sum()) > 1e-12:
        from sklearn.decomposition import PCA

        pca = PCA(n_components=min(2, s, n), svd_solver="full")
        pca.fit(filled)
        components[: pca.components_.shape[0]] = pca.components_
    for c in range(2):
        dot = sum(previous[sid][c] * components[c, j]
                  for j, sid in enumerate(statements) if sid in previous)
        if dot < 0:
            components[c] = -components[c]
    centred = filled - means
    scale = np.sqrt(s / np.maximum(votes, 1))
    positions = (centred @ components.T) * scale[:, None]
    return np.asarray(positions, dtype=np.float64), components


def weighted_silhouette(points: Floats, weights: Floats, labels: Ints) -> float:
    """The silhouette of weighted points (a point of weight w counts as w people there)."""
    from sklearn.metrics import pairwise_distances

    distances = pairwise_distances(points)
    clusters = np.unique(labels)
    # mean distance from each point to each cluster, weighted
    to_cluster = np.stack([
        (distances[:, labels == c] * weights[labels == c]).sum(axis=1)
        for c in clusters], axis=1)
    sizes = np.array([weights[labels == c].sum() for c in clusters])
    own = np.searchsorted(clusters, labels)
    own_size = sizes[own] - weights  # the others of one's own cluster
    a = np.where(own_size > 0,
                 to_cluster[np.arange(len(points)), own] / np.maximum(own_size, 1e-12), 0.0)
    other = to_cluster / sizes
    other[np.arange(len(points)), own] = np.inf
    b = other.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(own_size > 0, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
    return float((s * weights).sum() / weights.sum())


def _kmeans(points: Floats, weights: Floats, k: int, n_init: int) -> tuple[Ints, Floats]:
    from sklearn.cluster import KMeans

    model = KMeans(n_clusters=k, n_init=n_init, random_state=0)
    labels = model.fit_predict(points, sample_weight=weights)
    return np.asarray(labels, dtype=np.int64), np.asarray(model.cluster_centers_)


def buckets(positions: Floats) -> tuple[Floats, Floats, Ints]:
    """The distinct positions (or BUCKETS k-means centres of them), their weights and
    each row's bucket."""
    distinct, inverse, counts = np.unique(
        positions.round(9), axis=0, return_inverse=True, return_counts=True)
    rows: Ints = np.asarray(inverse, dtype=np.int64).reshape(-1)
    weights: Floats = np.asarray(counts, dtype=np.float64)
    points: Floats = np.asarray(distinct, dtype=np.float64)
    if len(points) <= BUCKETS:
        return points, weights, rows
    labels, centres = _kmeans(points, weights, BUCKETS, n_init=1)
    bucket_weights: Floats = np.asarray(
        np.bincount(labels, weights=weights, minlength=BUCKETS), dtype=np.float64)
    return centres, bucket_weights, labels[rows]


def choose_k(scores: dict[int, float], state: State) -> State:
    """The number of groups to use, given each k's silhouette now: a new best k is
    taken at once the first time, and when no recompute since the current k was chosen
    could have chosen it (too few people then: the hysteresis keeps the map from
    flipping between choices it had, not from growing out of the one it had no choice
    but); otherwise only after winning K_STREAK times in a row."""
    best = max(scores, key=lambda k: (scores[k], -k))
    top = max(scores)

    def chosen(k: int, k_top: int, challenger: int | None = None, streak: int = 0) -> State:
        return State(k=k, challenger=challenger, streak=streak, k_top=k_top,
                     placed=state.placed, components=state.components, centres=state.centres)

    if (state.k is None or state.k not in scores
            or (state.k_top is not None and best > state.k_top)):
        return chosen(best, top)
    seen_top = max(top, state.k_top or 0)
    if best == state.k:
        return chosen(state.k, seen_top)
    streak = state.streak + 1 if state.challenger == best else 1
    if streak >= K_STREAK:
        return chosen(best, top)
    return chosen(state.k, seen_top, challenger=best, streak=streak)


def _name_groups(labels: Ints, positions: Floats,
                 previous: dict[int, tuple[float, float]]) -> tuple[Ints, dict[int, Floats]]:
    """Renumber clusters so each keeps the id of the nearest previous centre (greedy, the
    closest pair first); new ones take the smallest free ids."""
    clusters = sorted(int(c) for c in np.unique(labels))
    centres = {c: positions[labels == c].mean(axis=0) for c in clusters}
    pairs = sorted(
        (float(np.linalg.norm(centres[c] - np.array(p))), c, g)
        for c in clusters for g, p in previous.items())
    rename: dict[int, int] = {}
    taken: set[int] = set()
    for _, c, g in pairs:
        if c not in rename and g not in taken:
            rename[c] = g
            taken.add(g)
    free = (g for g in range(len(clusters) + len(previous) + 1) if g not in taken)
    for c in clusters:
        if c not in rename:
            rename[c] = next(free)
    named = np.array([rename[int(c)] for c in labels], dtype=np.int64)
    return named, {rename[c]: centres[c] for c in clusters}


def group(positions: Floats, state: State) -> tuple[Ints, State]:
    """Each row's group id, and the state after this recompute."""
    n = len(positions)
    if n < MIN_TO_GROUP:
        return np.zeros(n, dtype=np.int64), State(placed=state.placed,
                                                  components=state.components)
    centres, weights, bucket_of = buckets(positions)
    m = len(centres)
    top = min(K_MAX, K_MIN + m // 12, m)
    scores: dict[int, float] = {}
    fits: dict[int, Ints] = {}
    for k in range(K_MIN, top + 1):
        labels, _ = _kmeans(centres, weights, k, n_init=10)
        if len(np.unique(labels)) < 2:
            continue
        scores[k] = weighted_silhouette(centres, weights, labels)
        fits[k] = labels
    if not scores:
        return np.zeros(n, dtype=np.int64), State(placed=state.placed,
                                                  components=state.components)
    chosen = choose_k(scores, state)
    assert chosen.k is not None
    rows = fits[chosen.k][bucket_of]
    named, group_centres = _name_groups(rows, positions, state.centres)
    chosen.centres = {g: (float(c[0]), float(c[1])) for g, c in group_centres.items()}
    return named, chosen


# --- the whole recompute -------------------------------------------------------------------


def compute(matrix: Matrix, state: State) -> OpinionMap:
    """The map of `matrix`, kept in step with `state` (the previous recompute's).

    On one BLAS/OpenMP thread: the problems are small (at most 100 buckets, a few
    hundred statements), and on a busy machine the threads' start-up and spinning
    cost far more than they save (1,000 x 100: 0.15-0.4 s on one thread against
    0.8-2.4 s on all, measured on the 2-core machine while other work ran)."""
    with threadpool_limits(limits=1):
        return _compute(matrix, state)


def _compute(matrix: Matrix, state: State) -> OpinionMap:
    statements = matrix.statements
    if not statements or not matrix.users:
        return OpinionMap(positions={}, groups=[], consensus=[], extremity={},
                          state=State())
    placed = placed_rows(matrix, state.placed)
    values = matrix.values[placed]
    users = [u for u, p in zip(matrix.users, placed, strict=True) if p]
    positions, components = project(values, statements, state.components)
    extremity = np.linalg.norm(components, axis=0) * math.sqrt(len(statements))
    labels, after = group(positions, state)
    after.placed = users
    after.components = {sid: (float(components[0, j]), float(components[1, j]))
                        for j, sid in enumerate(statements)}
    groups = []
    ids = sorted(int(g) for g in np.unique(labels))
    if len(ids) > 1:
        for g in ids:
            members = labels == g
            figures = repness(values, members)
            groups.append(Group(g, int(members.sum()), representative(statements, figures)))
    elif ids:
        groups.append(Group(ids[0], len(users), []))
    return OpinionMap(
        positions={u: (float(positions[i, 0]), float(positions[i, 1]), int(labels[i]))
                   for i, u in enumerate(users)},
        groups=groups,
        consensus=consensus(statements, values, labels),
        extremity={sid: float(extremity[j]) for j, sid in enumerate(statements)},
        state=after,
    )
