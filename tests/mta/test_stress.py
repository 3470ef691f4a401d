"""Stress checks on tiny hand-made path tables (attribution.mta.stress)."""

import math

import numpy as np
import pytest

from attribution.mta import PathAttribution, PathTable
from attribution.mta import stress as S


def table(paths, conv, nulls=None, value=None):
    return PathTable.from_paths([tuple(p.split()) for p in paths], conv, value, nulls)


# ------------------------------------------------------------------ pure numbers
def test_channel_totals_count_each_path_once_per_channel():
    t = table(["a a b", "b c", "c"], [2, 1, 0], nulls=[1, 3, 4])
    conv, seen = S.channel_totals(t)
    assert t.channels == ("a", "b", "c")
    assert conv.tolist() == [2, 3, 1]  # a: path 1; b: paths 1+2; c: paths 2+3
    assert seen.tolist() == [3, 7, 8]  # journeys = conversions + nulls


@pytest.mark.parametrize("k", [5, 70])  # bit sets up to 64 channels, sorting beyond
def test_channel_totals_match_a_plain_loop(k):
    rng = np.random.default_rng(k)
    names = [f"ch{i:02d}" for i in range(k)]
    paths = [" ".join(rng.choice(names, rng.integers(1, 6))) for _ in range(300)]
    conv, nulls = rng.integers(0, 3, 300), rng.integers(0, 4, 300)
    t = table(paths, conv, nulls=nulls)
    got_conv, got_seen = S.channel_totals(t)
    for c, name in enumerate(t.channels):
        on = [name in p.split() for p in paths]
        assert got_conv[c] == conv[on].sum() and got_seen[c] == (conv + nulls)[on].sum()


def test_prob_zero_is_the_binomial_zero_count():
    assert S.prob_zero(3, 0.5) == pytest.approx(0.125)
    assert S.prob_zero(100, 0.1) == pytest.approx(0.9**100)
    assert S.prob_zero(0, 0.3) == 1.0 and S.prob_zero(5, 0.0) == 1.0 and S.prob_zero(5, 1) == 0


def test_share_halfwidth_matches_the_normal_formula():
    # z(0.95) = 1.6449; n=100, p=0.2: sqrt(0.8/20) = 0.2
    assert S.share_halfwidth(100, 0.2) == pytest.approx(1.6449 * 0.2, rel=1e-4)
    assert S.share_halfwidth(400, 0.5, ci=0.95) == pytest.approx(
        1.96 * math.sqrt(0.5 / 200), rel=1e-3
    )
    assert S.share_halfwidth(0, 0.2) == math.inf


def test_reaches_follows_observed_transitions_backwards():
    # c -> d -> a and b -> e; a converts somewhere: c and d lead to it, b and e do not
    t = table(["c d a", "b e", "a"], [0, 0, 1], nulls=[1, 1, 0])
    assert t.channels == ("a", "b", "c", "d", "e")
    assert S.reaches(t, np.array([1, 0, 0, 0, 0], bool)).tolist() == [1, 0, 1, 1, 0]
    # steps are not chained across paths: "d" ends path 0 in this table, "a" starts path 1
    t2 = table(["c d", "a"], [0, 1], nulls=[1, 0])
    assert S.reaches(t2, np.array([1, 0, 0], bool)).tolist() == [1, 0, 0]


# ------------------------------------------------------------------ never converts
def test_channel_that_never_converts_gets_zero_from_every_model_and_a_finding():
    t = table(["a", "a b", "c", "b"], [40, 10, 0, 5], nulls=[60, 40, 50, 30])
    fs = S.never_converting(t)
    assert [f.code for f in fs] == ["mta.never_converts"]
    f = fs[0]
    assert f.level == "warning" and f.message.startswith("c: appears only")
    assert "50 journeys" in f.message and "every method credits it with 0" in f.message
    # overall rate 55/240; P(0 of 50) = (1 - 0.229)^50 ~ 2e-6: not chance
    assert "is not chance for c" in f.message
    assert "tracking gap" in f.action and "id-map" in f.action and "lookback" in f.action
    # the claim in the message holds: every model credits c with exactly 0
    res = PathAttribution(models=("first", "last", "linear", "markov", "shapley"), order=1).fit(t)
    for name in res.models:
        credit = dict(zip(res[name].channels, res[name].conversions, strict=True))
        assert credit["c"] == pytest.approx(0.0, abs=1e-9), name


def test_never_converting_channel_before_a_converting_one_is_a_markov_memory_artefact():
    t = table(["a", "a b", "c", "c b"], [40, 10, 0, 0], nulls=[60, 40, 50, 30])
    (f,) = S.never_converting(t)
    assert "80 journeys" in f.message  # 50 + 30 journeys touch c
    assert "Markov credit for c is an artefact of the chain's short memory" in f.message
    res = PathAttribution(models=("linear", "shapley", "markov"), order=1).fit(t)
    credit = {m: dict(zip(res[m].channels, res[m].conversions, strict=True)) for m in res.models}
    assert credit["linear"]["c"] == 0 and credit["shapley"]["c"] == pytest.approx(0, abs=1e-9)
    assert credit["markov"]["c"] > 1  # what the finding warns about


def test_never_converting_channels_count_their_journeys_once():
    t = table(["a", "c", "d c"], [10, 0, 0], nulls=[10, 7, 5])
    (f,) = S.never_converting(t)
    assert f.message.startswith("c, d: appear only in journeys that did not convert (12 journeys)")
    assert "every method credits them with 0" in f.message


def test_never_converts_says_when_zero_could_be_chance():
    # rate 2/202 ~ 1%; 3 journeys with c: P(0) = 0.97 -> cannot tell
    t = table(["a", "c"], [2, 0], nulls=[197, 3])
    f = S.never_converting(t)[0]
    assert "too few journeys to tell" in f.message and "not chance" not in f.message


def test_never_converts_separates_sure_zeros_from_possible_chance():
    # rate 100/400 = 25%: c on 40 journeys (P0 = 1e-5) is sure, d on 2 (P0 = 0.56) is not
    t = table(["a", "c", "d"], [100, 0, 0], nulls=[258, 40, 2])
    (f,) = S.never_converting(t)
    assert "is not chance for c;" in f.message
    assert f.message.endswith("too few journeys to tell a real zero from chance for d")


def test_never_converts_silent_when_every_channel_converts_or_none_does():
    assert S.never_converting(table(["a", "b"], [1, 1], nulls=[5, 5])) == []
    assert S.never_converting(table(["a", "b"], [0, 0], nulls=[5, 5])) == []


def test_no_touch_marker_is_not_a_never_converting_channel():
    t = table(["(none)", "a"], [0, 5], nulls=[3, 5])
    assert S.never_converting(t) == []


# ------------------------------------------------------------------ all converting
def test_all_converting_log_is_flagged_with_the_fix():
    t = table(["a b", "b", "a"], [3, 2, 1])
    (f,) = S.all_converting(t)
    assert f.code == "mta.all_converting" and f.level == "warning"
    assert "non-converting journeys" in f.action
    assert S.all_converting(table(["a b", "b"], [3, 2], nulls=[0, 1])) == []


def test_all_converting_makes_markov_credit_a_presence_count():
    """Why it is degenerate: with no nulls, removal effects only count appearances."""
    t = table(["a b", "b", "a"], [3, 2, 1])
    credit = PathAttribution(models=("markov",), order=1).fit(t)["markov"].conversions
    # removing a loses paths 'a b' and 'a' (4 of 6), removing b loses 'a b' and 'b' (5 of 6)
    assert credit.tolist() == pytest.approx([6 * 4 / 9, 6 * 5 / 9])


# ------------------------------------------------------------------ single channel
def test_single_channel_gets_everything_and_is_flagged():
    t = table(["a", "a a", "(none)"], [3, 2, 1], nulls=[4, 0, 0])
    (f,) = S.single_channel(t)
    assert f.message.startswith("a: the only channel")
    assert "lift test" in f.action
    res = PathAttribution(models=("first", "linear", "markov"), order=1).fit(
        table(["a", "a a"], [3, 2], nulls=[4, 0])
    )
    for name in res.models:
        assert res[name].conversions.tolist() == pytest.approx([5.0]), name
    assert S.single_channel(table(["a", "b"], [1, 1])) == []


# ------------------------------------------------------------------ few conversions
def test_few_conversions_threshold_and_stated_width():
    (f,) = S.few_conversions(table(["a", "b"], [20, 5], nulls=[10, 10]))
    # n = 25: 1.645 * sqrt(0.8 / 5) = 0.658
    assert "only 25 conversions" in f.message and "±66%" in f.message
    assert S.few_conversions(table(["a", "b"], [60, 40])) == []  # exactly 100
    assert S.few_conversions(table(["a", "b"], [0, 0], nulls=[1, 1])) == []


def test_the_threshold_keeps_bootstrap_noise_near_a_third():
    """At the threshold, the bootstrap spread of a 20% share is about the stated ±33%."""
    rng = np.random.default_rng(0)
    n = S.MIN_CONVERSIONS
    draws = rng.binomial(n, 0.2, size=20_000) / n
    lo, hi = np.quantile(draws, [0.05, 0.95])
    assert (hi - lo) / 2 / 0.2 == pytest.approx(S.share_halfwidth(n, 0.2), rel=0.15)


def test_thin_channels_listed_only_with_enough_conversions_overall():
    t = table(["a", "b", "c"], [300, 4, 9], nulls=[10, 10, 10])
    (f,) = S.thin_channels(t)
    assert f.level == "info" and f.message.startswith("b, c: on fewer than 10")
    assert S.thin_channels(table(["a", "b"], [50, 4])) == []  # few_conversions covers it


# ------------------------------------------------------------------ long paths, no touch
def test_long_paths_flagged_above_the_share():
    long = " ".join(["a", "b"] * 30)  # 60 touches
    (f,) = S.long_paths(table([long, "a"], [2, 98], nulls=[0, 100]))
    assert "longest has 60 touches" in f.message and "collapse_repeats" in f.action
    # 1 of 200 journeys and 1% of conversions: not above 1%
    assert S.long_paths(table([long, "a"], [1, 99], nulls=[0, 100])) == []
    assert S.long_paths(table(["a b", "a"], [1, 1])) == []


def test_no_touch_share_counts_only_paths_without_any_touch():
    t = table(["(none)", "(none) a", "a"], [30, 10, 60], nulls=[0, 0, 50])
    (f,) = S.no_touch_share(t)
    assert f.message.startswith("30% of conversions had no recorded touch")
    assert "70%" in f.message
    assert S.no_touch_share(table(["(none)", "a"], [20, 80])) == []  # exactly 20%
    assert S.no_touch_share(table(["a"], [1])) == []


# ------------------------------------------------------------------ all together
def test_stress_findings_clean_table_gives_nothing_and_bad_table_gives_each_code():
    clean = table(["a", "b", "a b"], [300, 200, 100], nulls=[900, 900, 300])
    assert S.stress_findings(clean) == []
    bad = table(["x"], [12])
    codes = [f.code for f in S.stress_findings(bad)]
    assert codes == ["mta.all_converting", "mta.single_channel", "mta.few_conversions"]
    for f in S.stress_findings(bad):
        assert f.stage == "mta" and f.action
