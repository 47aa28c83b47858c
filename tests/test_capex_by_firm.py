"""Each agent's capex (the agent table's ``capex_usd_bn``) adds up to the world's (the model table's), month by month,
where labs build, fabs are commissioned and plants are built; and it falls where it is spent."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import run


def _by_month(result) -> pd.DataFrame:
    agents = result.agent_table.groupby("step")["capex_usd_bn"].sum()
    return pd.DataFrame({"agents": agents, "model": result.model_table.set_index("step")["capex_usd_bn"]})


def test_the_agents_capex_adds_up_to_the_world_s_in_the_baseline(baseline_seed1) -> None:
    """Every month of the baseline (chips delivered, construction billed, fab capex paid), to a billionth of a $bn.
    Fails if a kind of capex is left out of either, or counted for the wrong month."""
    months = _by_month(baseline_seed1)
    assert (months["model"] > 0).all()
    assert months["agents"].to_numpy() == pytest.approx(months["model"].to_numpy(), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("scenario", ["energy-investment", "fab-network"])
def test_the_agents_capex_adds_up_where_firms_build_fabs_and_plants(scenario) -> None:
    """The same over the first four years of energy-investment (labs' and energy funds' plants: generation capex) and
    fab-network (fabs commissioned with partners, who pay their part of the capex)."""
    result = run([("run.steps", 48)], seed=1, scenario=scenario)
    months = _by_month(result)
    assert months["agents"].to_numpy() == pytest.approx(months["model"].to_numpy(), rel=1e-9, abs=1e-9)


def test_capex_falls_on_those_who_spend_it(baseline_seed1) -> None:
    """In the baseline labs spend on chips and buildings, chipmakers and their fabs' outside partners (investors) on
    fabs, utilities on generation; governments spend nothing, and no capex is negative. Labs spend the most."""
    agents = baseline_seed1.agent_table
    by_type = agents.groupby("agent_type")["capex_usd_bn"].sum()
    assert (by_type[["Lab", "Chipmaker", "Investor", "Utility"]] > 0).all(), by_type
    assert by_type.get("Government", 0.0) == 0.0 and by_type.idxmax() == "Lab", by_type
    assert (agents["capex_usd_bn"] >= 0).all()
