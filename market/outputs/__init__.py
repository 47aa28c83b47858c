"""What a run reports: the model and agent tables and the headline indicators (what binds, GW added per week)."""
