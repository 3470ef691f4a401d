import math

import pandas as pd
import pytest

from attribution.combine.priors import DEFAULT_RATIO, incrementality_ratio, priors_from_mta


def test_priors_hand_computed():
    credit = {"search": 2000.0, "social": 500.0, "store": 300.0}
    priors, findings = priors_from_mta(
        credit, total_sales=10_000.0, mmm_channels=["search", "social", "tv"]
    )
    assert set(priors.shares) == {"search", "social"}  # tv unseen by journeys, store not in MMM
    mean, sd = priors.shares["search"]
    assert mean == pytest.approx(DEFAULT_RATIO * 0.2)
    assert sd == pytest.approx(mean)  # cv 1
    assert findings and findings[0].code == "combine.mta_priors"


def test_sd_capped_so_beta_prior_exists():
    priors, _ = priors_from_mta(
        {"a": 8000.0}, total_sales=10_000.0, mmm_channels=["a"], ratio=1.0, cv=1.0
    )
    mean, sd = priors.shares["a"]
    assert mean == pytest.approx(0.8)
    assert sd < math.sqrt(mean * (1 - mean))


def test_incrementality_ratio_from_lift_tests():
    lt = pd.DataFrame(
        {
            "channel": ["a", "a", "b", "tv"],
            "start": ["2024-01-01", "2024-03-04", "2024-01-01", "2024-01-01"],
            "end": ["2024-01-28", "2024-03-31", "2024-01-28", "2024-01-28"],
            "lift": [100.0, 300.0, 50.0, 999.0],
            "lift_se": [10.0, 10.0, 10.0, 10.0],
        }
    )
    # 4-week windows over a 52-week period: pro-rated credit = credit * 4 / 52
    ratio, per = incrementality_ratio(lt, {"a": 1040.0, "b": 1300.0}, n_weeks=52)
    assert per["a"] == pytest.approx((100 / 80 + 300 / 80) / 2)  # 2.5
    assert per["b"] == pytest.approx(50 / 100)  # 0.5
    assert "tv" not in per  # no path credit
    assert ratio == pytest.approx((2.5 + 0.5) / 2)
    assert incrementality_ratio(None, {"a": 1.0}, 52) == (None, {})
