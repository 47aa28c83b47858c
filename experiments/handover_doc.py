"""The section of docs/calibration.md that sets the replay's December 2024 beside the baseline's first month: tables and
prose whose every number comes from :func:`experiments.handover.measure_handover`."""

from __future__ import annotations

import pandas as pd

from experiments.handover import HANDOVER_SEEDS, REPLAY_MONTHS_TO_END_2024, REPLAY_POWER_PERIOD, Handover
from experiments.replay import REPLAY_SCENARIO, load_calibration
from market.parameters.params import Params
from market.parameters.scenario import load_scenario

YEAR_2025_UNITS = {"AI capex": "$bn, 2025", "incumbent_gpu revenue": "$bn, 2025", "world compute": "GW, 2025 mean",
                   "frontier_lab_a compute": "GW, 2025 mean", "frontier_lab_a compute Dec": "GW, Dec 2025",
                   "frontier_lab_e capex": "$bn, 2025", "chipmakers' utilisation": "share, 2025 mean",
                   "US share of compute": "share, May 2025", "China share of compute": "share, May 2025"}
LAB_MEASURES = {"compute GW": ("compute (GW)", "{:,.2f}"),
                "revenue $bn/month": ("revenue ($bn a month)", "{:,.2f}"),
                "training EFLOP/s-months": ("training stock (EFLOP/s-months)", "{:,.0f}"),
                "training before the month, in months of the month's": ("training stock before the month, in months "
                                                                        "of the month's training", "{:,.1f}")}
FREE_GW = "clouds' room to lease GW"
KEPT_GW = "clouds' room kept for their own services GW"
FRONTIER_LABS = ("frontier_lab_a", "frontier_lab_b", "frontier_lab_c", "frontier_lab_d", "frontier_lab_e")



def _openai_sentence(year: pd.DataFrame, state: pd.DataFrame, record_gw: float) -> str:
    """Whether OpenAI's stand-in's compute agrees within 20% over 2025 (mean, then December), with both runs' figures,
    the record (``record_gw``, December 2025) and the clouds' room to lease that its stand-in could take."""
    rows = ("frontier_lab_a compute", "frontier_lab_a compute Dec")
    gaps = [year.loc[row, "baseline"] / year.loc[row, "replay"] - 1.0 for row in rows]
    mean_verdict = "agrees within 20%" if abs(gaps[0]) <= 0.20 else "does not agree within 20%"
    december_verdict = {(True, True): "so does its December", (True, False): "its December does not",
                        (False, True): "its December does", (False, False): "nor does its December"}[
        (abs(gaps[0]) <= 0.20, abs(gaps[1]) <= 0.20)]
    record_gap = year.loc[rows[1], "baseline"] / record_gw - 1.0
    return (f"OpenAI's compute over 2025 {mean_verdict}:\nthe baseline's averages {year.loc[rows[0], 'baseline']:.2f} GW "
            f"against the replay's {year.loc[rows[0], 'replay']:.2f} ({gaps[0]:+.0%}); {december_verdict}, "
            f"{year.loc[rows[1], 'baseline']:.2f} GW\nagainst {year.loc[rows[1], 'replay']:.2f} ({gaps[1]:+.0%}; OpenAI's "
            f"CFO reported ~{record_gw:g} GW; the baseline's is {record_gap:+.0%} from it). The baseline's clouds that sell AI "
            f"services keep\n{state.loc[KEPT_GW, 'baseline']:.2f} GW of their starting room for their own services after its "
            "first month, less as their starting\nchips retire (`lab_behaviour.starting_own_use_share`; 0 in the replay, "
            "as there was no shortage before ChatGPT),\nso they end it with "
            f"{state.loc[FREE_GW, 'baseline']:.2f} GW of room any lab may lease the next month; the replay's clouds end "
            f"December 2024\nwith {state.loc[FREE_GW, 'replay']:.2f} (the state table below).")


def _and(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

def markdown_table(frame: pd.DataFrame) -> str:
    """A Markdown table of the frame's columns and rows, values as they print."""
    header = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * len(frame.columns) + "\n"
    return header + "".join("| " + " | ".join(str(v) for v in row) + " |\n" for row in frame.itertuples(index=False))


def _difference(value: float) -> str:
    """The baseline's over the replay's, less 1, as a signed percentage ('-' where there is none)."""
    return "-" if pd.isna(value) else f"{value:+.0%}"


def _year_2025_markdown(handover: Handover) -> str:
    """The 2025 figures in both runs."""
    table = handover.year_2025_table()
    rows = pd.DataFrame({"figure": table.index, "unit": [YEAR_2025_UNITS[name] for name in table.index],
                         "baseline": table["baseline"].map("{:,.2f}".format),
                         "replay": table["replay"].map("{:,.2f}".format),
                         "baseline over replay": table["difference"].map(_difference)})
    return markdown_table(rows)


def _totals_markdown(handover: Handover) -> str:
    """The state figures that are not a lab's: compute by region, shares, revenue, the chipmakers'."""
    table = handover.state_table()
    totals = table[~table.index.str.contains("_")]
    rows = pd.DataFrame({"figure": totals.index, "baseline, Jan 2025": totals["baseline"].map("{:,.3f}".format),
                         "replay, Dec 2024": totals["replay"].map("{:,.3f}".format),
                         "baseline over replay": totals["difference"].map(_difference)})
    return markdown_table(rows)


def _labs_markdown(handover: Handover) -> str:
    """One row per named lab: each measure as baseline / replay."""
    table = handover.state_table()
    labs = sorted({name.split(" ")[0] for name in table.index if "_" in name.split(" ")[0]})
    rows = []
    for lab in labs:
        row = {"lab": lab}
        for key, (label, number) in LAB_MEASURES.items():
            base, replay = ("-" if pd.isna(value) else number.format(value + 0.0)
                            for value in table.loc[f"{lab} {key}", ["baseline", "replay"]])
            row[label] = f"{base} / {replay}"
        rows.append(row)
    return markdown_table(pd.DataFrame(rows))


def _starting_stock_ratios(defaults: Params, replay: Params) -> pd.Series:
    """Each frontier lab's training stock at the replay's start over its 2025 default (the roster's)."""
    defaults, replay = defaults.labs, replay.labs
    return pd.Series({lab: replay[lab].initial_training_eflops_months / defaults[lab].initial_training_eflops_months
                      for lab in FRONTIER_LABS})


def render_handover(handover: Handover) -> str:
    """The section's Markdown: the baseline's first month against the replay's December 2024, and the runs' 2025."""
    year, state = handover.year_2025_table(), handover.state_table()

    def of(figure: str, run: str) -> float:
        return float(state.loc[figure, run])

    def lab_ratio(measure: str, lab: str, run: str) -> float:
        return of(f"{lab} {measure}", run) / of(f"frontier_lab_a {measure}", run)

    stocks = [f"{lab} training EFLOP/s-months" for lab in FRONTIER_LABS]
    stock_ratio = state.loc[stocks, "replay"] / state.loc[stocks, "baseline"]
    rivals = {run: [lab_ratio("training EFLOP/s-months", lab, run) for lab in FRONTIER_LABS[1:]]
              for run in ("baseline", "replay")}
    months = state.loc[[f"{lab} training before the month, in months of the month's" for lab in FRONTIER_LABS]]
    openai_share = {run: of("frontier_lab_a revenue $bn/month", run) / of("AI services revenue $bn/month", run)
                    for run in ("baseline", "replay")}
    params, replay_params = Params(), load_scenario(REPLAY_SCENARIO).params
    starts = _starting_stock_ratios(params, replay_params)
    reference = params.capability.reference_training_eflops_months
    replay_openai_start = replay_params.labs["frontier_lab_a"].initial_training_eflops_months
    abroad = "share of compute in the Gulf and the rest of the world"
    calibration = load_calibration().set_index("id")
    record = calibration["value"]
    lbnl_years = int(calibration.loc["us_dc_electricity_2023", "period_start"][:4]) - int(
        calibration.loc["us_dc_electricity_2014", "period_start"][:4])
    us_power = "US power available to AI data centres GW"
    replay_us_start_gw = replay_params.utilities["US"].initial_available_gw
    replay_years = REPLAY_MONTHS_TO_END_2024 / 12
    replay_us_growth = (of(us_power, "replay") - replay_us_start_gw) / replay_years
    lbnl_growth_gw = (record["us_dc_electricity_2023"] - record["us_dc_electricity_2014"]) / lbnl_years / 8.76
    us_gap = {run: abs(year.loc["US share of compute", run] - record["epoch_us_share_2025"]) for run in ("baseline", "replay")}
    nearer = min(us_gap, key=us_gap.get)
    power = handover.replay_power.median()
    power_period = "-".join(month[:4] for month in REPLAY_POWER_PERIOD)

    def weight_ratio(run: str) -> float:
        labs = (replay_params if run == "replay" else params).labs
        stock = {lab: labs[lab].initial_training_eflops_months for lab in ("frontier_lab_a", "frontier_lab_d")}
        ratio = (1.0 + stock["frontier_lab_a"] / reference) / (1.0 + stock["frontier_lab_d"] / reference)
        return ratio ** (params.capability.exponent * params.demand.share_weight_capability)

    gaps = {label: year.loc[name, "baseline"] / year.loc[name, "replay"] - 1.0
            for name, label in (("AI capex", "AI capex"), ("incumbent_gpu revenue", "the incumbent chipmaker's revenue"),
                                ("world compute", "world compute"))}
    within = [label for label, gap in gaps.items() if abs(gap) <= 0.20]
    beyond = [f"{label} ({gap:+.1%})" for label, gap in gaps.items() if abs(gap) > 0.20]
    agreement = f"{_and(within)} agree within 20%" if within else "None of the totals agrees within 20%"
    if beyond:
        agreement += (f"; {_and(beyond)} {'does' if len(beyond) == 1 else 'do'} not, as the replay's 2025 spending by"
                      " firm is far from the filings (Meta's stand-in below)")
    agreement = agreement[0].upper() + agreement[1:]
    return f"""## The hand-over to the baseline

The baseline starts in January 2025 from a state of its own: the roster's firms with their compute, cash, debt and
training stocks, building labs' pipelines, and the adoption curve at the replay's December 2024 spend. It is meant to
continue the replay's end of 2024. The tables set the baseline's first month against the replay's December 2024, and
the two runs' 2025 (medians of seeds {HANDOVER_SEEDS[0]}-{HANDOVER_SEEDS[-1]}: of each seed's figure, totals and
shares included; `experiments/handover.py`).

2025 in both runs:

{_year_2025_markdown(handover)}
{agreement} (`tests/test_replay.py`). {_openai_sentence(year, state, record["openai_compute_2025"])} Meta's stand-in,
frontier_lab_e, spends ${year.loc["frontier_lab_e capex", "baseline"]:.0f}bn on chips and buildings over 2025 in the
baseline and ${year.loc["frontier_lab_e capex", "replay"]:.0f}bn in the replay, which ends 2024 with
{state.loc["frontier_lab_e compute GW", "replay"]:.1f} GW against the baseline's
{state.loc["frontier_lab_e compute GW", "baseline"]:.1f}; Meta reported ${record["meta_capex_2025"]:.1f}bn of capex for
2025, all of it, not only AI data centres (a context row of the calibration data). The chipmakers make
{year.loc["chipmakers' utilisation", "baseline"]:.0%} of what their lines could over 2025 in the baseline and
{year.loc["chipmakers' utilisation", "replay"]:.0%} in the replay: the replay's makers ship spare capacity early, as
they did in the 2023-2024 scramble for GPUs, while the baseline's ship early only China's domestic parts
(`chipmakers.<name>.early_delivery_months`), so the rest of their spare capacity stays unsold that month.

Where the compute stands, against the record: Epoch AI puts {record["epoch_us_share_2025"]:.0%} of the performance of
the AI supercomputers it tracks in the US and {record["epoch_cn_share_2025"]:.0%} in China in May 2025 (context rows of
the calibration data: FLOP/s of known clusters, not GW, so a guide rather than a bound). The baseline has
{year.loc["US share of compute", "baseline"]:.0%} and {year.loc["China share of compute", "baseline"]:.0%} of its GW
there, the replay {year.loc["US share of compute", "replay"]:.0%} and {year.loc["China share of compute", "replay"]:.0%}.
From 2023 the replay's US clouds build part of their compute in the rest of the world and the Gulf. The
{nearer}'s US share is nearer the record. The replay's US utility makes {replay_us_growth:.2f} GW a year available to AI
data centres over 2022-2024 ({replay_us_start_gw:g} GW in January 2022, {of(us_power, "replay"):.1f} GW in December
2024, where the baseline starts with {of(us_power, "baseline"):.1f} GW); the average load of all US data centres
grew by {lbnl_growth_gw:.1f} GW a year over 2014-2023 (LBNL, {record["us_dc_electricity_2014"]:.0f} ->
{record["us_dc_electricity_2023"]:.0f} TWh; calibration data), and the US's d (`utilities.US.dc_share_of_new_generation`,
{replay_params.utilities["US"].dc_share_of_new_generation:g}) is that growth over the trend growth of US generation.
Over {power_period} power binds the replay's US build-out in {power["share of months power binds the US"]:.0%} of
months (medians of the seeds): the US has power, but dearer, at {power["power price US $/MWh"]:.0f} $/MWh on average
against {power["power price GULF $/MWh"]:.0f} in the Gulf and {power["power price ROW $/MWh"]:.0f} in the rest of the
world, where the
generation offered to data centres stands mostly idle. A lab picks a site region by a logit in log power price
(`lab_behaviour.site_weight_price`, {replay_params.lab_behaviour.site_weight_price:g}, an assumption) and the expected
wait for power, with no preference for its home region, so the cheaper regions draw part of the build-out of the US
clouds that may build abroad.

The state at the hand-over (compute by site region; the share of compute in the Gulf and the rest of the world, and
the share of that owned by labs headquartered in the US; the world's AI-services revenue; the chipmakers' capacity
and order book):

{_totals_markdown(handover)}
Each named lab that sells AI services, baseline in January 2025 / replay in December 2024: compute it runs (its own
less what it leases out, plus what it leases in); revenue (AI services, and a cloud's lease income); training stock,
which with its price sets its share of demand through capability (1 + T / T_ref)^alpha; and its stock before the
month in months of that month's training:

{_labs_markdown(handover)}
What the tables show:
- World compute carries over ({of("compute GW world", "baseline"):.1f} GW in the baseline's first month,
  {of("compute GW world", "replay"):.1f} GW in the replay's December 2024); where it stands does not. The replay puts
  {of(abroad, "replay"):.0%} of it in the Gulf and the rest of the world ({of(abroad, "baseline"):.0%} in the baseline),
  {of("share of that owned by US labs", "replay"):.0%} of that owned by US labs.
- The baseline's chip order book is
  {of("chip order book GW", "baseline") / of("chip order book GW", "replay"):.1f} times the replay's: its building
  labs start with 1.2 times their installed compute on order, so its makers start sold out months ahead; the replay's
  makers all ship up to 6 months early (the baseline's US makers do not) and carry a shorter book.
- The firms do not carry over. The replay's frontier labs end 2024 with
  {stock_ratio.min():.1f}-{stock_ratio.max():.1f} times the baseline's training stocks in January 2025, and with stocks
  nearer each other: OpenAI's rivals hold {min(rivals["replay"]):.1f}-{max(rivals["replay"]):.1f} times its stock in
  the replay, {min(rivals["baseline"]):.1f}-{max(rivals["baseline"]):.1f} times in the baseline. The replay starts the
  frontier labs at {starts.min():.2f}-{starts.max():.2f} of their 2025 stocks (OpenAI at {replay_openai_start:.0f}
  EFLOP/s-months, below T_ref = {reference:.0f}), where (1 + T / T_ref) differs little between labs: at equal prices
  OpenAI's weight in demand is {weight_ratio("replay"):.1f} times the EU lab's at the replay's start and
  {weight_ratio("baseline"):.1f} times at the baseline's, so the replay's labs share 2022's demand more evenly. Anthropic earns
  {lab_ratio("revenue $bn/month", "frontier_lab_b", "replay"):.2f} of OpenAI's revenue in the replay's December 2024,
  {lab_ratio("revenue $bn/month", "frontier_lab_b", "baseline"):.2f} in the baseline's first month; OpenAI's own
  revenue agrees (it is calibrated) but its share of the world's AI-services revenue is
  {openai_share["replay"]:.1%} in the replay against {openai_share["baseline"]:.1%} in the baseline, and its compute
  grows less over the replay's 2025. A smaller T_ref separates the labs but puts OpenAI's 2023-2024 revenue and
  compute well above the record; calibrating the other firms needs their own figures (Anthropic's revenue, Meta's
  fleet), which the calibration data do not hold yet.
- The baseline's training stocks are small for the compute its labs train on: the frontier labs start 2025 with
  {months["baseline"].min():.1f}-{months["baseline"].max():.1f} months of their January training, where the replay's
  labs enter December 2024 with {months["replay"].min():.0f}-{months["replay"].max():.0f} months of theirs. In the
  baseline a lab's capability, and its share of demand, follow the compute it trains on within months; in the replay
  they carry more than a year of history.
"""
