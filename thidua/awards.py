"""Ranking within groups and prize allocation, exactly as the spec says.

Rank the eligible units of a group by total, then by the plan's tie-break
keys (all higher first). A unit's rank is 1 + the number of eligible units of
its group strictly before it; fully tied units share a rank (1, 1, 3). Values
equal to 9 decimal places count as equal.

Prizes are taken in order (nhất, nhì, ba, KK, KK…): each goes to the best
ranked unit not yet awarded that meets the prize's own condition. A prize no
unit qualifies for stays vacant. If the best candidates for a prize are fully
tied, the tool does not pick: the k tied units form a block taking the next k
prizes (or as many as remain), recorded for the council; allocation goes on
with the prize after the block.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from thidua.expr import EPS
from thidua.plan.model import Plan, Prize
from thidua.result import TIE_LABEL


@dataclass
class Allocation:
    rank: np.ndarray  # float, NaN when not eligible
    prize: list  # prize code or None
    prize_label: list  # prize label, TIE_LABEL for tie blocks, or None
    amount: np.ndarray  # int64
    vacant: list[dict] = field(default_factory=list)
    ties: list[dict] = field(default_factory=list)


def _same(a: tuple, b: tuple) -> bool:
    for x, y in zip(a, b):
        if np.isnan(x) and np.isnan(y):
            continue
        if np.isnan(x) or np.isnan(y) or abs(x - y) > EPS:
            return False
    return True


def rank_order(units: np.ndarray, keys: list[np.ndarray], codes: np.ndarray) -> list[int]:
    """Unit indices best first: keys descending (blank last), then code for stability."""
    units = np.asarray(units, dtype=int)
    if len(units) == 0:
        return []
    columns = [codes[units]] + [np.where(np.isnan(k[units]), np.inf, -k[units]) for k in reversed(keys)]
    return units[np.lexsort(columns)].tolist()


def allocate(plan: Plan, codes: list[str], groups: np.ndarray, eligible: np.ndarray,
             keys: list[np.ndarray], qualifies: Callable[[Prize], np.ndarray]) -> Allocation:
    """Rank eligible units within their group and give out each group's prizes.

    ``keys``: total first, then tie-break values, one array each.
    ``qualifies(prize)``: boolean array, True where a unit meets the prize's condition.
    """
    n = len(codes)
    out = Allocation(rank=np.full(n, np.nan), prize=[None] * n, prize_label=[None] * n,
                     amount=np.zeros(n, dtype=np.int64))
    conditions: dict[int, np.ndarray] = {}

    def ok(prize: Prize) -> np.ndarray:
        if id(prize) not in conditions:
            conditions[id(prize)] = qualifies(prize)
        return conditions[id(prize)]

    code_array = np.asarray(codes, dtype=str)
    for group in plan.groups:
        members = np.flatnonzero((groups == group.code) & eligible)
        order = rank_order(members, keys, code_array)
        out.rank[order] = _ranks(np.asarray(order, dtype=int), keys)
        prize_set = plan.prize_set(group.code)
        if prize_set is None:
            continue
        key_of = _Keys(keys)
        _give_prizes(group.code, prize_set.sequence(), order, key_of, codes, ok, out)
    return out


class _Keys(dict):
    """A unit's keys (total, then tie-breaks) as a tuple, looked up when first needed."""

    def __init__(self, keys: list[np.ndarray]):
        super().__init__()
        self.keys = keys

    def __missing__(self, u: int) -> tuple:
        value = self[u] = tuple(k[u] for k in self.keys)
        return value


def _ranks(order: np.ndarray, keys: list[np.ndarray]) -> np.ndarray:
    """Rank of each unit of ``order`` (best first): 1 + its position, or the rank of the
    unit before it when every key is the same (both blank, or within the tolerance)."""
    if len(order) == 0:
        return np.zeros(0)
    same = np.ones(len(order) - 1, dtype=bool)
    for k in keys:
        a, b = k[order[:-1]], k[order[1:]]
        blank_a, blank_b = np.isnan(a), np.isnan(b)
        with np.errstate(invalid="ignore"):
            apart = np.abs(a - b) > EPS
        same &= (blank_a & blank_b) | (~blank_a & ~blank_b & ~apart)
    start = np.concatenate(([True], ~same))
    first = np.where(start, np.arange(len(order)), 0)
    return (np.maximum.accumulate(first) + 1).astype(float)


def _give_prizes(group: str, sequence: list[Prize], order: list[int], key_of: dict,
                 codes: list[str], ok, out: Allocation) -> None:
    taken: set[int] = set()
    p = 0
    while p < len(sequence):
        prize = sequence[p]
        qualified = ok(prize)
        candidates = (u for u in order if u not in taken and qualified[u])
        if prize.count is None:  # e.g. giấy khen for every unit meeting the condition
            candidates = list(candidates)
            for u in candidates:
                _award(out, u, prize, taken)
            if not candidates:
                out.vacant.append(_vacancy(group, prize))
            p += 1
            continue
        first = next(candidates, None)
        if first is None:
            out.vacant.append(_vacancy(group, prize))
            p += 1
            continue
        block = [first]
        for u in candidates:  # sorted: the tied ones come right after the first
            if not _same(key_of[u], key_of[first]):
                break
            block.append(u)
        if len(block) == 1:
            _award(out, first, prize, taken)
            p += 1
            continue
        held = sequence[p:p + len(block)]
        out.ties.append({
            "group": group,
            "prizes": [pr.code for pr in held],
            "units": [codes[u] for u in block],
            "prize_details": [{"code": pr.code, "label": pr.label, "amount": pr.amount} for pr in held],
        })
        for u in block:
            taken.add(u)
            out.prize_label[u] = TIE_LABEL
        p += len(held)


def _award(out: Allocation, u: int, prize: Prize, taken: set[int]) -> None:
    taken.add(u)
    out.prize[u] = prize.code
    out.prize_label[u] = prize.label
    out.amount[u] = prize.amount


def _vacancy(group: str, prize: Prize) -> dict:
    return {"group": group, "prize": prize.code, "label": prize.label, "amount": prize.amount,
            "reason": prize.reason}
