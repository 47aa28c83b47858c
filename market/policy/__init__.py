"""Export controls: which parts may ship where and when (investment screening is applied in funding rounds,
:mod:`market.finance.capital`; governments' responses are agents, :mod:`agents.government`)."""
