"""Scenarios, the command line, sweeps and analysis."""

import market  # noqa: F401  (first: it pins BLAS threads and kernels before numpy loads; market/__init__.py)
