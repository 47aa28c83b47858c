"""The Solara app and figures."""

import market  # noqa: F401  (first: it pins BLAS threads and kernels before numpy loads; market/__init__.py)
