"""The physical build-out: compute cohorts, chip orders and deliveries, procurement and placement of plans, data-centre
projects, leases, the AI services market, fabs and labs' own generation."""
