"""Outcome measures: `score()` and `change()` are the public API (no Django needed).

from fascia.measures import score, change
score("ODI", [3, 2, 1, 0, 2, 3, 1, 2, None, 1]).value   # 33.3
change("ODI", before=48.0, after=30.0).clinically_important   # True
"""

from fascia.measures.scoring import Change, Score, change, instrument, score

__all__ = ["Change", "Score", "change", "instrument", "score"]
