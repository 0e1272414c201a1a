"""Scoring extracted spans against hand-annotated gold: exact span and label, per label P/R/F1."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Span3 = tuple[int, int, str]
GOLD_LABELS = ("PERSON", "NORP", "ORG", "GPE", "LOC")


@dataclass(frozen=True)
class Score:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 0.0

    @property
    def recall(self) -> float:
        gold = self.true_positives + self.false_negatives
        return self.true_positives / gold if gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.true_positives + self.false_negatives


def score_spans(
    gold: Sequence[Iterable[Span3]], predicted: Sequence[Iterable[Span3]], labels: Sequence[str] = GOLD_LABELS
) -> dict[str, Score]:
    """Per-label scores (and `ALL`, micro-averaged) of predicted (start, end, label) spans, exact match;
    predicted labels outside `labels` are ignored."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for gold_spans, predicted_spans in zip(gold, predicted, strict=True):
        g = {s for s in gold_spans if s[2] in labels}
        p = {s for s in predicted_spans if s[2] in labels}
        for _, _, label in g & p:
            tp[label] += 1
        for _, _, label in p - g:
            fp[label] += 1
        for _, _, label in g - p:
            fn[label] += 1
    scores = {label: Score(tp[label], fp[label], fn[label]) for label in labels}
    scores["ALL"] = Score(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return scores


def format_comparison(columns: dict[str, dict[str, Score]]) -> str:
    """A table of P/R/F1 per label, one column group per system."""
    names = list(columns)
    header = f"{'label':<8}{'gold':>6}  " + "  ".join(f"{name + ' P/R/F1':>24}" for name in names)
    lines = [header]
    for label in next(iter(columns.values())):
        support = next(iter(columns.values()))[label].support
        cells = "  ".join(f"{s.precision:>8.3f}{s.recall:>8.3f}{s.f1:>8.3f}"
                          for s in (columns[name][label] for name in names))
        lines.append(f"{label:<8}{support:>6}  {cells}")
    return "\n".join(lines)
