"""Banded tiers: a value falls in [from, to) and earns that band's points.

Used for tiered criteria (1.1: 100 → 10; [95, 100) → 8 …) and, as the
``coefficient`` kind, for coefficient look-ups (hệ số from dossier counts).
Bands may differ by level (``by_level: {xa: [...]}``: the commune thresholds
of Hòa Thành are doubled). Bands must be contiguous: each band starts where
the previous one ends; the first may omit ``from`` and the last ``to``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from thidua import expr as ex
from thidua.plan.model import LEVELS
from thidua.program.evaluate import EPS, round_half_away
from thidua.rules.base import Context, Rule, Spec, known_texts
from thidua.text import format_number, format_numbers


@dataclass
class Band:
    lo: float | None
    hi: float | None
    points: float
    line: int | None = field(default=None, compare=False)  # where the plan file writes it

    def label(self) -> str:
        if self.lo is None and self.hi is None:
            return "mọi giá trị"
        if self.lo is None:
            return f"< {format_number(self.hi)}"
        if self.hi is None:
            return f"≥ {format_number(self.lo)}"
        return f"[{format_number(self.lo)}, {format_number(self.hi)})"


def read_bands(raw, spec: Spec, key: str) -> list[Band]:
    """Read and check a list of bands (contiguous, ascending, no gaps)."""
    if not isinstance(raw, list) or not raw:
        spec.error(key, f"«{key}» phải là danh sách các bậc",
                   "mỗi bậc dạng «- {from: 95, to: 100, points: 8}»")
        return []
    bands: list[Band] = []
    for i, item in enumerate(raw):
        line_of = (lambda k, item=item: item.line_of(k)) if hasattr(item, "line_of") else spec.where
        if not isinstance(item, dict) or "points" not in item:
            spec.problems.append(spec_problem(spec, line_of(None),
                f"bậc thứ {i + 1} thiếu «points» (số điểm của bậc)",
                "mỗi bậc dạng «- {from: 95, to: 100, points: 8}»"))
            continue
        sub = Spec(item, line_of, spec.problems, spec.file, spec.label)
        for k in item:
            if k not in ("from", "to", "points"):
                sub.error(k, f"bậc thứ {i + 1} có khóa lạ «{k}»", "chỉ dùng from, to, points")
        bands.append(Band(sub.number("from", None), sub.number("to", None), sub.number("points"),
                          line=getattr(item, "line", None)))
    check_bands(bands, spec, key)
    return bands


def spec_problem(spec: Spec, line, message: str, hint: str = ""):
    from thidua.errors import Problem
    return Problem(f"{spec.label}: {message}", file=spec.file, line=line, hint=hint)


def check_bands(bands: list[Band], spec: Spec, key: str) -> None:
    def error(band: Band, message: str, hint: str = "") -> None:
        spec.problems.append(spec_problem(spec, band.line or spec.where(key), message, hint))

    for i, band in enumerate(bands):
        if band.lo is not None and band.hi is not None and band.lo >= band.hi:
            error(band, f"bậc thứ {i + 1} có «from» ({format_number(band.lo)}) không nhỏ hơn "
                  f"«to» ({format_number(band.hi)})", "bậc là [from, to): from < to")
        if i == 0:
            continue
        prev = bands[i - 1]
        if prev.hi is None or band.lo is None:
            error(band, f"bậc thứ {i} và {i + 1} chồng lấn (một bậc không có giới hạn)",
                  "chỉ bậc đầu được bỏ «from», chỉ bậc cuối được bỏ «to»")
        elif band.lo < prev.hi:
            error(band, f"bậc thứ {i} [.., {format_number(prev.hi)}) và bậc thứ {i + 1} "
                  f"[{format_number(band.lo)}, ..) chồng lấn nhau",
                  f"sửa «from» của bậc {i + 1} thành {format_number(prev.hi)}")
        elif band.lo > prev.hi:
            error(band, f"có khoảng trống giữa bậc thứ {i} (đến {format_number(prev.hi)}) và "
                  f"bậc thứ {i + 1} (từ {format_number(band.lo)})",
                  f"sửa «from» của bậc {i + 1} thành {format_number(prev.hi)}")


def band_index(bands: list[Band], x: ex.Node) -> ex.Node:
    """The position of the band holding ``x`` (highest band tested first), blank
    below the first band's lower bound; edges compared with the shared tolerance."""
    start = 1 if bands[0].lo is None else 0
    out: ex.Node = ex.Num(0.0) if start else ex.Blank()
    for i in range(start, len(bands)):
        out = ex.If(ex.Cmp(">=", x, ex.Num(bands[i].lo)), ex.Num(float(i)), out)
    return out


class BandsRule(Rule):
    kind = "bands"
    title = "thang bậc"
    keys = {"of", "bands", "by_level"}

    def __init__(self, of: ex.Node, of_text: str, bands: list[Band],
                 by_level: dict[str, list[Band]]):
        self.of = of
        self.of_text = of_text
        self.bands = bands
        self.by_level = by_level

    @classmethod
    def from_spec(cls, spec: Spec) -> "BandsRule":
        of = spec.expr("of") or ex.Num(0)
        bands = read_bands(spec.raw.get("bands"), spec, "bands")
        by_level: dict[str, list[Band]] = {}
        raw_levels = spec.raw.get("by_level") or {}
        if not isinstance(raw_levels, dict):
            spec.error("by_level", "«by_level» phải là bảng cấp → danh sách bậc")
            raw_levels = {}
        for level, raw in raw_levels.items():
            if level not in LEVELS:
                spec.error("by_level", f"cấp «{level}» không tồn tại",
                           f"dùng một trong: {', '.join(LEVELS)}")
                continue
            by_level[level] = read_bands(raw, spec, "by_level")
        return cls(of, spec.text("of"), bands, by_level)

    def own_names(self) -> set[str]:
        return self.of.names()

    def max_points(self) -> float | None:
        all_bands = self.bands + [b for bs in self.by_level.values() for b in bs]
        return max((b.points for b in all_bands), default=None)

    def tables(self) -> dict[str, list[Band]]:
        """Band tables by level ("" for every level without its own)."""
        return {"": self.bands, **{lv: bs for lv, bs in self.by_level.items() if bs}}

    def lower(self):
        tables = self.tables()
        index = {lv: band_index(bands, self.of) for lv, bands in tables.items()}
        node: ex.Node = ex.Pick(index[""], tuple(b.points for b in self.bands))
        for level, bands in tables.items():
            if level:
                node = ex.If(ex.Level((level,)), ex.Pick(index[level], tuple(b.points for b in bands)),
                             node)
        return node, lambda ctx: self._explain(ctx, node, index)

    def _explain(self, ctx: Context, node: ex.Node, index: dict[str, ex.Node]) -> list[str]:
        x, points = ctx.eval(self.of), ctx.eval(node)
        tables = self.tables()
        levels = np.asarray(ctx.levels, dtype=object)
        others = ~np.isin(levels, [lv for lv in tables if lv])
        out = np.empty(ctx.n, dtype=object)
        for level, bands in tables.items():
            here = np.flatnonzero(others if not level else levels == level)
            if not len(here):
                continue
            # units with the same value read the same: explain each distinct value once
            _, first, inverse = np.unique(x[here], return_index=True, return_inverse=True)
            units = here[first]
            texts = self._texts(ctx, bands, x[units], ctx.eval(index[level])[units],
                                points[units])
            out[here] = np.asarray(texts, dtype=object)[inverse.ravel()]
        return known_texts(x, out.tolist())

    def _texts(self, ctx: Context, bands: list[Band], x: np.ndarray, k: np.ndarray,
               points: np.ndarray) -> list[str]:
        """The explanation of values ``x`` falling in bands ``k`` (NaN: outside) for ``points``."""
        shown = ctx.shown(self.of, x)
        out = [f"{t} nằm ngoài các bậc của thang điểm" for t in shown]
        inside = np.flatnonzero(~np.isnan(k))
        if not len(inside):
            return out
        pos = k[inside].astype(int)
        lo = np.array([-np.inf if b.lo is None else b.lo for b in bands])[pos]
        hi = np.array([np.inf if b.hi is None else b.hi for b in bands])[pos]
        rounded = round_half_away(x[inside], 2)
        # Where rounding for display would carry a value across its band's edge
        # (99,996 shown as 100 in [95, 100)), show every digit instead.
        edge = (rounded >= hi - EPS) | (rounded < lo - EPS)
        seen = [shown[i] for i in inside.tolist()]
        if edge.any():
            full = ctx.shown(self.of, x[inside[edge]], decimals=9)
            for j, text in zip(np.flatnonzero(edge).tolist(), full):
                seen[j] = text
        labels = [b.label() for b in bands]
        results = self.suffixes(points[inside])
        for i, a, p, c in zip(inside.tolist(), seen, pos.tolist(), results):
            out[i] = f"{a} → bậc {labels[p]} → {c}"
        return out

    def describe(self, name=None) -> str:
        def table(bands):
            return "; ".join(f"{b.label()} → {format_number(b.points)}" for b in reversed(bands))
        text = f"{ex.to_text(self.of, name)}: {table(self.bands)}"
        for level, bands in self.by_level.items():
            text += f". Riêng {LEVELS[level].lower()}: {table(bands)}"
        return text


class CoefficientRule(BandsRule):
    kind = "coefficient"
    title = "hệ số theo bậc"
    result_word = ""

    def suffixes(self, values):
        return [f"hệ số {t}" for t in format_numbers(values)]
