"""The sensitivity of where the baseline's compute stands to the share of new generation offered to data centres
(experiments/sensitivity_regions.py, a section of docs/sensitivity.md)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from experiments import sensitivity_regions as regions
from market.enums import REGIONS
from market.parameters.params import Params


def test_the_iea_shares_are_data_centre_growth_over_trend_generation_growth() -> None:
    """Known answer from the IEA's figures: China's data centres +175 TWh over 2024-2030, 29.2 TWh a year, over its
    generation growth G x 8.76 x g; Asia Pacific excluding China and the rest of the world +53 and +14 TWh over the Gulf's
    and the rest of the world's generation growth together, one d for both. Fails if the years, the groups or the
    regions summed change."""
    utilities = Params().utilities

    def growth(region: str) -> float:
        return utilities[region].average_generation_gw * 8.76 * utilities[region].generation_growth_per_year

    shares = regions.iea_shares()
    assert shares["CN"] == pytest.approx((277.0 - 102.0) / 6.0 / growth("CN"), rel=1e-12)
    abroad = ((101.0 - 48.0) + (29.0 - 15.0)) / 6.0 / (growth("GULF") + growth("ROW"))
    assert shares["GULF"] == shares["ROW"] == pytest.approx(abroad, rel=1e-12)
    assert set(shares) == {"CN", "GULF", "ROW"}
    assert 0.0 < abroad < shares["CN"] < utilities["CN"].dc_share_of_new_generation


def test_the_variants_scale_the_default_where_they_say() -> None:
    """Every region x 0.5 halves d in all five; the Gulf-and-rest variant touches those two only; the baseline none."""
    default = {r: Params().utilities[r].dc_share_of_new_generation for r in REGIONS}
    variants = regions.variants()
    assert variants["baseline"] == {}
    assert variants["every region x 0.5"] == {r: 0.5 * d for r, d in default.items()}
    assert variants["Gulf and rest of world x 1.5"] == {"GULF": 1.5 * default["GULF"], "ROW": 1.5 * default["ROW"]}
    assert variants[regions.IEA_VARIANT] == regions.iea_shares()


def test_measure_regions_reads_the_last_month() -> None:
    """Known answer: in the last month 4 of 10 GW in the US and 3 in the Gulf and the rest of the world (0.4, 0.3);
    the first month's row is not read."""
    last = dict(zip(REGIONS, (4.0, 2.0, 1.0, 1.0, 2.0), strict=True))
    table = pd.DataFrame({f"compute_gw_{r}": [9.0, gw] for r, gw in last.items()})
    outcome = regions.measure_regions(SimpleNamespace(model_table=table))
    assert outcome == regions.RegionOutcome(10.0, 4.0, pytest.approx(0.4), pytest.approx(0.3))


def test_the_section_gives_each_variant_s_shares_and_the_mean_and_range_over_seeds() -> None:
    """Known answer: two seeds at 100 and 120 GW show 110 (100-120) in the baseline row; the IEA row shows its d."""
    outcomes = {}
    for variant in regions.variants():
        outcomes[(variant, 1)] = regions.RegionOutcome(100.0, 40.0, 0.4, 0.5)
        outcomes[(variant, 2)] = regions.RegionOutcome(120.0, 50.0, 0.42, 0.45)
    text = regions.render(outcomes)
    assert "| baseline | 0.47 | 0.1 | 0.1 | 0.1 | 0.1 | 110 (100-120) | 45.0 (40.0-50.0) | 0.41 (0.40-0.42) | 0.47 (0.45-0.50) |" \
        in text
    iea = regions.iea_shares()
    assert f"| {regions.IEA_VARIANT} | 0.47 | {iea['CN']:.3g} | 0.1 | {iea['GULF']:.3g} | {iea['ROW']:.3g} |" in text


def test_docs_sensitivity_holds_the_section_with_every_variant() -> None:
    """docs/sensitivity.md (``make sensitivity``) has the section and a row per variant."""
    from experiments.sensitivity import DOC

    text = DOC.read_text()
    assert "## Where compute stands: the share of new generation offered to data centres" in text
    for variant in regions.variants():
        assert f"| {variant} | " in text, f"docs/sensitivity.md is stale: run 'make sensitivity' ({variant} missing)"
