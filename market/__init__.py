"""The model of the AI compute market: markets, ledger, network, policies and metrics.

Importing it limits BLAS to one thread, process-wide: ``OPENBLAS_NUM_THREADS`` and ``MKL_NUM_THREADS`` default to 1
(so child processes inherit it) and threadpoolctl caps the BLAS numpy loaded. The model's linear algebra is small and
runs share the cores: with OpenBLAS's default threading a 100-firm cross-holdings solve ran 17x slower on 2 cores.
When either variable is set in the environment nothing is changed. ``OMP_NUM_THREADS`` is left alone (Arrow sizes its
thread pool from it).

It also pins OpenBLAS's kernels, so a run gives the same numbers to the last bit on every machine with AVX-512: on such
a machine, when numpy has not been loaded yet, ``OPENBLAS_CORETYPE`` is set to ``SkylakeX``, replacing what the
environment says. OpenBLAS otherwise uses the kernels the environment names (Haswell, on some AMD Zen 5 machines) or
picks them by the processor it recognises (an older OpenBLAS may not know a new one); their sums round differently in
the last bit, and a run's paths part after some years (seen in month 114 of the baseline). Set ``AICM_BLAS_KERNEL`` to
a kernel name to pin another, or to ``native`` to leave OpenBLAS's choice and the environment alone. Machines without
AVX-512 keep the environment's kernel or OpenBLAS's choice, and their runs part from the golden tables the same way
(``tests/test_golden.py``).
"""

import os
import sys
from pathlib import Path

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
BLAS_KERNEL_VARIABLE = "OPENBLAS_CORETYPE"
REPRODUCIBLE_BLAS_KERNEL = "SkylakeX"
SKYLAKEX_CPU_FLAGS = frozenset({"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"})
KERNEL_CHOICE_VARIABLE = "AICM_BLAS_KERNEL"
NATIVE_KERNEL = "native"


def read_cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The processor's feature flags as Linux lists them (none where it does not)."""
    try:
        lines = cpuinfo.read_text().splitlines()
    except OSError:
        return frozenset()
    return next((frozenset(line.split(":", 1)[1].split()) for line in lines if line.startswith("flags")), frozenset())


def pinned_blas_kernel(environment: dict[str, str], cpu_flags: frozenset[str]) -> str | None:
    """The OpenBLAS kernel to pin: ``AICM_BLAS_KERNEL`` when set (none for ``native``), else SkylakeX on a processor
    with its AVX-512 features, else none."""
    chosen = environment.get(KERNEL_CHOICE_VARIABLE)
    if chosen:
        return None if chosen == NATIVE_KERNEL else chosen
    return REPRODUCIBLE_BLAS_KERNEL if SKYLAKEX_CPU_FLAGS <= cpu_flags else None


if "numpy" not in sys.modules:
    _kernel = pinned_blas_kernel(dict(os.environ), read_cpu_flags())
    if _kernel is not None:
        os.environ[BLAS_KERNEL_VARIABLE] = _kernel

if not any(variable in os.environ for variable in BLAS_THREAD_VARIABLES):
    for variable in BLAS_THREAD_VARIABLES:
        os.environ[variable] = "1"
    if "numpy" in sys.modules:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
