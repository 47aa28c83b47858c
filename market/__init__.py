"""The model of the AI compute market: markets, ledger, network, policies and metrics.

Importing it limits BLAS to one thread: ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` and ``MKL_NUM_THREADS`` default
to 1 before numpy loads, and when numpy (with its BLAS) is already loaded threadpoolctl caps it. The model's linear
algebra is small and runs share the cores: with OpenBLAS's default threading a 100-firm cross-holdings solve ran 17x
slower on 2 cores. A thread count set in the environment is respected.
"""

import os
import sys

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

if not any(variable in os.environ for variable in BLAS_THREAD_VARIABLES):
    for variable in BLAS_THREAD_VARIABLES:
        os.environ[variable] = "1"
    if "numpy" in sys.modules:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
