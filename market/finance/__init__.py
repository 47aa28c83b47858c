"""Money and claims: the ledger and settlement, the capital market (stakes, loans, rounds) and its relations as the
network sees them, valuation and investors' expectations, trailing accounts, vendor financing, insolvency and contagion
(clearing, DebtRank, losses), Minsky classes."""
