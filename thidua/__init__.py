"""thidua — scoring, ranking and awards for Vietnamese emulation campaigns.

The package reads a plan (kế hoạch) file, a table of unit figures, and returns
every unit's points, total, eligibility, rank within its group and prize, each
with its explanation. See ``thidua.engine.score``.
"""

__version__ = "0.1.0"
