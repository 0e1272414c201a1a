"""How sure a resolved fact is: the share of rows like it that are right, from the evidence its
rule already weighed, through the calibration fitted on gold (`calibration.json`, written by
`newsfacts eval calibrate`; never fitted at run time).

Each field's model is a logistic regression over its evidence (numbers standardised, categories
one-hot; a category the fit never saw counts as none of them), whose score an isotonic map turns
into the share of gold rows with that score that were right. Applying it needs no fitting library.
"""

from __future__ import annotations

import bisect
import functools
import importlib.resources
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

#: The package file holding every field's fitted model.
CALIBRATION_FILE = "calibration.json"
#: Where it is: what `newsfacts eval calibrate` writes by default.
PACKAGE_CALIBRATION = Path(__file__).with_name(CALIBRATION_FILE)

Evidence = Mapping[str, float | str | None]


@dataclass(frozen=True)
class FieldModel:
    """One field's fitted model, as `newsfacts eval calibrate` writes it."""

    numeric: tuple[str, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    categorical: tuple[tuple[str, tuple[str, ...]], ...]
    coefficients: tuple[float, ...]
    intercept: float
    knots: tuple[float, ...]
    shares: tuple[float, ...]

    @classmethod
    def from_json(cls, spec: Mapping) -> FieldModel:
        return cls(numeric=tuple(spec["numeric"]), means=tuple(spec["means"]), scales=tuple(spec["scales"]),
                   categorical=tuple((name, tuple(values)) for name, values in spec["categorical"]),
                   coefficients=tuple(spec["coefficients"]), intercept=float(spec["intercept"]),
                   knots=tuple(spec["knots"]), shares=tuple(spec["shares"]))

    def to_json(self) -> dict:
        return {"numeric": list(self.numeric), "means": list(self.means), "scales": list(self.scales),
                "categorical": [[name, list(values)] for name, values in self.categorical],
                "coefficients": list(self.coefficients), "intercept": self.intercept,
                "knots": list(self.knots), "shares": list(self.shares)}

    def score(self, evidence: Evidence) -> float:
        """The logistic regression's decision value for one row's evidence."""
        return self.intercept + sum(w * x for w, x in zip(self.coefficients, encode(self, evidence), strict=True))

    def confidence(self, evidence: Evidence) -> float:
        """The calibrated share of right rows at this evidence's score, in [0, 1]."""
        return calibrate(self.score(evidence), self.knots, self.shares)


def encode(model: FieldModel, evidence: Evidence) -> list[float]:
    """The row's evidence as the model's inputs: each number standardised (a missing one at the
    fit's mean), then each category one-hot."""
    values = []
    for name, mean, scale in zip(model.numeric, model.means, model.scales, strict=True):
        raw = evidence.get(name)
        values.append(0.0 if raw is None else (float(raw) - mean) / scale)
    for name, categories in model.categorical:
        given = evidence.get(name)
        values.extend(1.0 if given == category else 0.0 for category in categories)
    return values


def calibrate(score: float, knots: Sequence[float], shares: Sequence[float]) -> float:
    """The isotonic map at `score`: linear between its knots, flat beyond them."""
    if not math.isfinite(score):  # evidence out of any range the fit saw: no telling
        return shares[len(shares) // 2] if shares else 0.5
    if not knots:
        return 1.0 / (1.0 + math.exp(-min(max(score, -50.0), 50.0)))
    if score <= knots[0]:
        return shares[0]
    if score >= knots[-1]:
        return shares[-1]
    high = bisect.bisect_left(knots, score)
    low = high - 1
    span = knots[high] - knots[low]
    weight = (score - knots[low]) / span if span else 1.0
    return min(1.0, max(0.0, shares[low] + weight * (shares[high] - shares[low])))


@functools.cache
def field_models() -> dict[str, FieldModel]:
    """Every field's fitted model shipped with the package, by column name (none when the file
    holds none)."""
    resource = importlib.resources.files("tasks.confidence") / CALIBRATION_FILE
    if not resource.is_file():
        return {}
    spec = json.loads(resource.read_text(encoding="utf-8"))
    return {name: FieldModel.from_json(model) for name, model in spec.get("fields", {}).items()}


def confidences(field: str, evidence: Sequence[Evidence | None]) -> list[float | None]:
    """`field`'s confidence for each row's evidence (None where a row has none: nothing was
    resolved), rounded to three places; all None when no model for the field is shipped."""
    model = field_models().get(field)
    if model is None:
        return [None] * len(evidence)
    return [None if row is None else round(model.confidence(row), 3) for row in evidence]


def with_confidence(field: str, evidence: Sequence[Evidence | None], column: str | None = None
                    ) -> dict[str, pl.Series]:
    """The columns `<column>_confidence` (written) and `<column>_evidence` (the evidence as JSON,
    which `newsfacts eval calibrate` fits on; not written), one value per row; `column` is the
    field's name unless its table names it otherwise (an event's `place` is field `event_place`)."""
    name = column or field
    return {f"{name}_confidence": pl.Series(confidences(field, evidence), dtype=pl.Float64),
            f"{name}_evidence": pl.Series([None if row is None else json.dumps(row) for row in evidence],
                                          dtype=pl.String)}
