"""Money and claims: the ledger and settlement, the capital market (stakes, loans, rounds), valuation and investors'
expectations, trailing accounts, vendor financing, insolvency and contagion (clearing, DebtRank, losses), Minsky
classes."""
