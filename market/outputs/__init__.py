"""What a run reports: the model and agent tables, the headline indicators (what binds, GW added per week) and the
relations network's files (edge table and GraphML)."""
