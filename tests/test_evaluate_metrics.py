import pytest

from newsloom.evaluate.metrics import bcubed, groups


def test_bcubed_on_a_hand_computed_example() -> None:
    # Gold: {a, b, c} and {d, e}. Predicted: {a, b}, {c, d, e}.
    gold = {"a": "x", "b": "x", "c": "x", "d": "y", "e": "y"}
    predicted = {"a": "1", "b": "1", "c": "2", "d": "2", "e": "2"}
    # Precision per item: a 2/2, b 2/2, c 1/3, d 2/3, e 2/3 -> (1 + 1 + 1/3 + 2/3 + 2/3) / 5 = 11/15
    # Recall per item:    a 2/3, b 2/3, c 1/3, d 2/2, e 2/2 -> (2/3 + 2/3 + 1/3 + 1 + 1) / 5 = 11/15
    score = bcubed(predicted, gold)
    assert score.precision == pytest.approx(11 / 15)
    assert score.recall == pytest.approx(11 / 15)
    assert score.f1 == pytest.approx(11 / 15)


def test_bcubed_extremes_and_asymmetry() -> None:
    gold = {"a": "x", "b": "x", "c": "y", "d": "y"}
    perfect = bcubed({"a": "p", "b": "p", "c": "q", "d": "q"}, gold)
    assert (perfect.precision, perfect.recall, perfect.f1) == (1.0, 1.0, 1.0)
    lumped = bcubed(dict.fromkeys(gold, "all"), gold)
    assert (lumped.precision, lumped.recall) == (0.5, 1.0)
    assert lumped.f1 == pytest.approx(2 / 3)
    split = bcubed({k: k for k in gold}, gold)
    assert (split.precision, split.recall) == (1.0, 0.5)


def test_bcubed_scores_only_items_in_both_and_needs_one() -> None:
    score = bcubed({"a": "1", "b": "1", "zzz": "1"}, {"a": "x", "b": "x", "c": "y"})
    assert (score.precision, score.recall) == (1.0, 1.0)
    with pytest.raises(ValueError):
        bcubed({"a": "1"}, {"b": "x"})


def test_groups() -> None:
    assert groups({"a": "x", "b": "y", "c": "x"}) == {"x": ["a", "c"], "y": ["b"]}


def test_pairwise_ari_and_nmi_on_a_hand_computed_example() -> None:
    from newsloom.evaluate.metrics import adjusted_rand_index, normalized_mutual_information, pairwise

    gold = {"a": "x", "b": "x", "c": "x", "d": "y", "e": "y"}
    predicted = {"a": "1", "b": "1", "c": "2", "d": "2", "e": "2"}
    # Predicted pairs: ab, cd, ce, de (4); gold pairs: ab, ac, bc, de (4); both: ab, de (2).
    figures = pairwise(predicted, gold)
    assert (figures.precision, figures.recall, figures.f1) == (0.5, 0.5, 0.5)
    # ARI by the formula: index 2, expected 4 * 4 / 10 = 1.6, maximum 4.
    assert abs(adjusted_rand_index(predicted, gold) - (2 - 1.6) / (4 - 1.6)) < 1e-12
    assert adjusted_rand_index(gold, gold) == 1.0
    assert abs(normalized_mutual_information(gold, gold) - 1.0) < 1e-12
    assert 0.0 < normalized_mutual_information(predicted, gold) < 1.0
    # One story for everything shares no information with a two-story gold standard.
    assert normalized_mutual_information(dict.fromkeys(gold, "all"), gold) == 0.0
