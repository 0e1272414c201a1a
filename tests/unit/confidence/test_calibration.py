"""Confidences: the shipped model applied without a fitting library, fitted on gold with
scikit-learn, and measured with reliability tables."""

import json
import random

import pytest

from tasks.confidence.calibrated import FieldModel, calibrate, confidences, encode, field_models, with_confidence
from tasks.eval.calibration import Judged, cross_fitted, fit_field, format_reliability, reliability


def test_the_isotonic_map_is_linear_between_its_knots_and_flat_beyond():
    knots, shares = (0.0, 1.0, 2.0), (0.2, 0.6, 0.9)
    assert calibrate(-5.0, knots, shares) == 0.2 and calibrate(9.0, knots, shares) == 0.9
    assert calibrate(0.5, knots, shares) == pytest.approx(0.4)
    assert calibrate(1.5, knots, shares) == pytest.approx(0.75)


def test_evidence_is_standardised_and_one_hot_and_an_unseen_category_counts_as_none():
    model = FieldModel(("margin",), (2.0,), (4.0,), (("rule", ("after", "before")),), (1.0, 0.5, -0.5), 0.0,
                       (), ())
    assert encode(model, {"margin": 6.0, "rule": "before"}) == [1.0, 0.0, 1.0]
    assert encode(model, {"rule": "carried"}) == [0.0, 0.0, 0.0]  # margin missing: at its mean
    assert FieldModel.from_json(json.loads(json.dumps(model.to_json()))) == model


def _judged(seed: int = 7) -> list[Judged]:
    """A rule `sure` right 95 times in 100, a rule `guess` right 40 times in 100, over 60 documents."""
    rng = random.Random(seed)
    rows = []
    for i in range(1200):
        rule = "sure" if i % 2 else "guess"
        right = rng.random() < (0.95 if rule == "sure" else 0.4)
        rows.append(Judged("set", str(i % 60), {"rule": rule, "noise": rng.random()}, None, right))
    return rows


def test_a_fitted_field_gives_each_rule_the_share_of_its_rows_that_are_right():
    judged = _judged()
    model = fit_field(judged)
    sure, guess = model.confidence({"rule": "sure", "noise": 0.5}), model.confidence({"rule": "guess", "noise": 0.5})
    assert 0.9 <= sure <= 1.0 and 0.3 <= guess <= 0.5, (sure, guess)
    held_out = cross_fitted(judged)
    result = reliability(held_out, [j.right for j in judged])
    assert result.ece < 0.05 and result.sure_precision > 0.92 and result.sure_kept > 0.6, result


def test_a_field_whose_few_rows_are_all_right_is_not_rated_certain():
    two = fit_field([Judged("set", str(i), {"rule": "passive"}, None, True) for i in range(2)])
    many = fit_field([Judged("set", str(i), {"rule": "passive"}, None, True) for i in range(198)])
    assert two.confidence({"rule": "passive"}) == pytest.approx(0.75)
    assert many.confidence({"rule": "passive"}) == pytest.approx(0.995)


def test_reliability_bins_confidences_and_weighs_each_bin_by_its_rows():
    result = reliability([0.95, 0.95, 0.95, 0.95, 0.3, 0.3], [True, True, True, False, False, True])
    assert [(low, n) for low, _, n, _, _ in result.bins] == [(0.3, 2), (0.9, 4)]
    # |0.95 - 0.75| over 4 rows, |0.3 - 0.5| over 2
    assert result.ece == pytest.approx((4 * 0.2 + 2 * 0.2) / 6)
    assert result.sure_precision == 0.75 and result.sure_kept == 0.75
    text = format_reliability("place_confidence", "dev", result)
    assert "ECE 0.200" in text and "0.9-1.0" in text


def test_the_shipped_model_rates_every_resolved_field_and_leaves_the_unresolved_null():
    assert set(field_models()) >= {"place", "date", "speaker"}
    lone_country = {"decided_by": "only", "feature_class": "country", "label": "GPE", "candidates": 0.0,
                    "countries": 0.0, "margin": 0.0, "population": 7.5, "rival_population": 0.0, "in_focus": 1.0,
                    "country_named": 1.0, "exact_name": 1.0, "repeated": 1.0}
    rated = confidences("place", [lone_country, None])
    assert rated[0] >= 0.9 and rated[1] is None
    columns = with_confidence("place", [lone_country, None])
    assert columns["place_confidence"].to_list()[1] is None
    assert json.loads(columns["place_evidence"][0])["decided_by"] == "only"
    assert confidences("no such field", [lone_country]) == [None]
