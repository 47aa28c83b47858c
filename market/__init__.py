"""The model of the AI compute market: markets, ledger, network, policies and metrics.

Importing it limits BLAS to one thread, process-wide: ``OPENBLAS_NUM_THREADS`` and ``MKL_NUM_THREADS`` default to 1
(so child processes inherit it) and threadpoolctl caps the BLAS numpy loaded. The model's linear algebra is small and
runs share the cores: with OpenBLAS's default threading a 100-firm cross-holdings solve ran 17x slower on 2 cores.
When either variable is set in the environment nothing is changed. ``OMP_NUM_THREADS`` is left alone (Arrow sizes its
thread pool from it).
"""

import os
import sys

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

if not any(variable in os.environ for variable in BLAS_THREAD_VARIABLES):
    for variable in BLAS_THREAD_VARIABLES:
        os.environ[variable] = "1"
    if "numpy" in sys.modules:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
