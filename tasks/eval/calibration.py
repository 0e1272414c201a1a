"""Fitting each field's confidence on gold (`newsfacts eval calibrate`) and measuring how well
confidences are calibrated: reliability tables and the expected calibration error.

The fit (scikit-learn, an `eval` extra): a logistic regression over the evidence a rule weighed,
then an isotonic regression from its score to the share of right rows, fitted on scores the
regression gave documents it was not fitted on (grouped folds), so the map is not the fit's own
optimism. What is shipped is the plain numbers of both (`tasks.confidence.calibrated.FieldModel`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from tasks.confidence.calibrated import Evidence, FieldModel, encode

#: A category seen fewer times than this in the gold is left out of the model (counts as none).
MIN_CATEGORY_ROWS = 5
FOLDS = 5
#: Rows of the field's overall share each step of the isotonic map is drawn toward (see `fit_field`).
PRIOR_ROWS = 10
#: Confidence bins of the reliability table, as wide as each other.
BINS = 10
#: What "confident" means in the figures: rows at or above it.
SURE = 0.9


@dataclass(frozen=True)
class Judged:
    """One resolved fact checked against gold: its set, its document (the folds keep a document's
    rows together), its evidence, the confidence the run gave it, and whether it is right."""

    gold_set: str
    document: str
    evidence: dict
    confidence: float | None
    right: bool


def _layout(rows: Sequence[Evidence]) -> tuple[list[str], list[tuple[str, tuple[str, ...]]]]:
    numeric = sorted({k for row in rows for k, v in row.items() if isinstance(v, (int, float)) and v is not None})
    counts: dict[str, Counter] = {}
    for row in rows:
        for key, value in row.items():
            if isinstance(value, str):
                counts.setdefault(key, Counter())[value] += 1
    categorical = [(key, tuple(sorted(v for v, n in counter.items() if n >= MIN_CATEGORY_ROWS)))
                   for key, counter in sorted(counts.items())]
    return numeric, [(key, values) for key, values in categorical if values]


def _regression(rows: Sequence[Evidence], right: Sequence[bool]) -> FieldModel:
    """The logistic regression alone (an identity map from score to share)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    numeric, categorical = _layout(rows)
    raw = np.array([[float(row.get(name) or 0.0) for name in numeric] for row in rows]).reshape(len(rows), -1)
    means = raw.mean(axis=0) if len(rows) else np.zeros(len(numeric))
    scales = raw.std(axis=0) if len(rows) else np.ones(len(numeric))
    scales = np.where(scales > 1e-9, scales, 1.0)
    model = FieldModel(tuple(numeric), tuple(map(float, means)), tuple(map(float, scales)), tuple(categorical),
                       (), 0.0, (), ())
    width = len(numeric) + sum(len(values) for _, values in categorical)
    x = np.array([encode(model, row) for row in rows]).reshape(len(rows), width)
    y = np.array(right, dtype=int)
    if len(set(y.tolist())) < 2:
        # All right or all wrong: the share, with one right and one wrong row added (Laplace's
        # rule), so that 2 rows all right say 0.75 and not a certainty the gold cannot back.
        share = (float(y.sum()) + 1.0) / (len(y) + 2.0)
        return FieldModel(model.numeric, model.means, model.scales, model.categorical, (0.0,) * width, 0.0,
                          (0.0,), (share,))
    fitted = LogisticRegression(C=1.0, max_iter=2000).fit(x, y)
    return FieldModel(model.numeric, model.means, model.scales, model.categorical,
                      tuple(map(float, fitted.coef_[0])), float(fitted.intercept_[0]), (), ())


def fit_field(judged: Sequence[Judged]) -> FieldModel:
    """One field's model from its judged rows: the regression on all of them, and the isotonic map
    from the scores each fold's regression gave the documents held out of it."""
    import numpy as np
    from sklearn.isotonic import IsotonicRegression
    from sklearn.model_selection import GroupKFold

    rows = [j.evidence for j in judged]
    right = np.array([j.right for j in judged], dtype=float)
    full = _regression(rows, right.astype(bool).tolist())
    if not full.coefficients or not any(full.coefficients):
        return full
    groups = [f"{j.gold_set}/{j.document}" for j in judged]
    if len(set(groups)) < 2:  # no document to hold out: the regression's own score is the share
        return full
    scores = np.zeros(len(judged))
    folds = min(FOLDS, len(set(groups)))
    for train, test in GroupKFold(n_splits=folds).split(rows, right, groups):
        part = _regression([rows[i] for i in train], right[train].astype(bool).tolist())
        # A fold's own layout may lack a category: its rows are scored by the fold's model.
        scores[test] = [part.score(rows[i]) for i in test]
    isotonic = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(scores, right)
    # A step of the map that holds few rows says 0 or 1 on their luck alone: each step's share is
    # drawn toward the whole field's by PRIOR_ROWS rows of it, and the map fitted again to keep its order.
    steps = isotonic.predict(scores)
    sizes = {value: int((steps == value).sum()) for value in set(steps.tolist())}
    drawn = np.array([(sizes[v] * v + PRIOR_ROWS * right.mean()) / (sizes[v] + PRIOR_ROWS) for v in steps.tolist()])
    isotonic = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(scores, drawn)
    return FieldModel(full.numeric, full.means, full.scales, full.categorical, full.coefficients, full.intercept,
                      tuple(map(float, isotonic.X_thresholds_)), tuple(map(float, isotonic.y_thresholds_)))


def cross_fitted(judged: Sequence[Judged]) -> list[float]:
    """Each row's confidence from a model fitted without its document (grouped folds): what the
    shipped model's figures would be on documents it never saw."""
    from sklearn.model_selection import GroupKFold

    groups = [f"{j.gold_set}/{j.document}" for j in judged]
    if len(set(groups)) < 2:
        model = fit_field(judged)
        return [model.confidence(j.evidence) for j in judged]
    confidences = [0.0] * len(judged)

    for train, test in GroupKFold(n_splits=min(FOLDS, len(set(groups)))).split(judged, groups=groups):
        model = fit_field([judged[i] for i in train])
        for i in test:
            confidences[i] = model.confidence(judged[i].evidence)
    return confidences


@dataclass(frozen=True)
class Reliability:
    """How calibrated a field's confidences are on one set."""

    bins: list[tuple[float, float, int, float, float]]  # (low, high, rows, mean confidence, share right)
    ece: float
    rows: int
    accuracy: float
    sure_precision: float  # share right of the rows at or above SURE
    sure_kept: float  # share of the right rows that are at or above SURE
    sure_rows: int  # rows at or above SURE


def reliability(confidences: Sequence[float], right: Sequence[bool]) -> Reliability:
    """The reliability table (BINS equal-width bins), the expected calibration error (the bins'
    |mean confidence - share right| weighted by their rows) and what keeping rows at or above
    SURE gives."""
    bins = []
    total = len(confidences)
    ece = 0.0
    for b in range(BINS):
        low, high = b / BINS, (b + 1) / BINS
        members = [(c, r) for c, r in zip(confidences, right, strict=True)
                   if low <= c < high or (b == BINS - 1 and c == 1.0)]
        if not members:
            continue
        mean = sum(c for c, _ in members) / len(members)
        share = sum(r for _, r in members) / len(members)
        bins.append((low, high, len(members), mean, share))
        ece += len(members) / total * abs(mean - share)
    sure = [r for c, r in zip(confidences, right, strict=True) if c >= SURE]
    correct = sum(right)
    return Reliability(bins, ece, total, correct / total if total else 0.0,
                       sum(sure) / len(sure) if sure else 0.0, sum(sure) / correct if correct else 0.0, len(sure))


def format_reliability(field: str, gold_set: str, result: Reliability, table: bool = True) -> str:
    """A field's reliability on one set: its summary line, then (`table`) one line per bin."""
    sure = (f"{result.sure_precision:.3f} right, keeping {result.sure_kept:.3f} of the right rows"
            if result.sure_rows else "no rows")
    lines = [f"{field} on {gold_set}: {result.rows} rows, {result.accuracy:.3f} right; ECE {result.ece:.3f}; "
             f"confidence >= {SURE}: {sure}"]
    if table:
        lines.append(f"  {'confidence':<12}{'rows':>6}{'mean':>8}{'right':>8}")
        lines += [f"  {low:.1f}-{high:.1f}{'':<5}{n:>6}{mean:>8.3f}{share:>8.3f}"
                  for low, high, n, mean, share in result.bins]
    return "\n".join(lines)
