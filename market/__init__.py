"""The model of the AI compute market: markets, ledger, network, policies and metrics.

Importing it limits BLAS to one thread, process-wide: ``OPENBLAS_NUM_THREADS`` and ``MKL_NUM_THREADS`` default to 1
(so child processes inherit it) and threadpoolctl caps the BLAS numpy loaded. The model's linear algebra is small and
runs share the cores: with OpenBLAS's default threading a 100-firm cross-holdings solve ran 17x slower on 2 cores.
When either variable is set in the environment nothing is changed. ``OMP_NUM_THREADS`` is left alone (Arrow sizes its
thread pool from it).

It also pins the vector code numpy and OpenBLAS run, so a run gives the same numbers to the last bit on every x86-64
machine with AVX2 and FMA, with AVX-512 or without: on such a machine, when numpy has not been loaded yet,
``OPENBLAS_CORETYPE`` is set to ``Haswell`` (OpenBLAS's AVX2 kernels), replacing what the environment says, and numpy's
AVX-512 dispatch targets are added to ``NPY_DISABLE_CPU_FEATURES``. Left to choose, OpenBLAS picks SkylakeX kernels where
AVX-512 is present and numpy its AVX-512 loops (wider sums, its own exp and log); both round differently in the last
bit, and a run's paths then part within the first years (month 14 of the baseline, between an AVX-512 machine and an
AVX2 one). Set ``AICM_BLAS_KERNEL`` to a kernel name to pin another OpenBLAS kernel, or to ``native`` to leave
OpenBLAS's and numpy's choices and the environment alone. Machines without AVX2 and FMA keep the environment's kernel
or OpenBLAS's choice, and their runs part from the golden tables the same way (``tests/test_golden.py``).
"""

import os
import sys
from pathlib import Path

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
BLAS_KERNEL_VARIABLE = "OPENBLAS_CORETYPE"
REPRODUCIBLE_BLAS_KERNEL = "Haswell"
HASWELL_CPU_FLAGS = frozenset({"avx2", "fma"})
NUMPY_DISABLED_FEATURES_VARIABLE = "NPY_DISABLE_CPU_FEATURES"
NUMPY_AVX512_TARGETS = "X86_V4 AVX512_ICL AVX512_SPR"
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
    """The OpenBLAS kernel to pin: ``AICM_BLAS_KERNEL`` when set (none for ``native``), else Haswell on a processor
    with AVX2 and FMA, else none."""
    chosen = environment.get(KERNEL_CHOICE_VARIABLE)
    if chosen:
        return None if chosen == NATIVE_KERNEL else chosen
    return REPRODUCIBLE_BLAS_KERNEL if HASWELL_CPU_FLAGS <= cpu_flags else None


def disabled_numpy_features(environment: dict[str, str], cpu_flags: frozenset[str]) -> str | None:
    """numpy's dispatch targets to switch off: its AVX-512 ones on a processor with AVX2 and FMA, unless
    ``AICM_BLAS_KERNEL`` is ``native``; else none."""
    if environment.get(KERNEL_CHOICE_VARIABLE) == NATIVE_KERNEL or not HASWELL_CPU_FLAGS <= cpu_flags:
        return None
    return NUMPY_AVX512_TARGETS


if "numpy" not in sys.modules:
    _flags = read_cpu_flags()
    _kernel = pinned_blas_kernel(dict(os.environ), _flags)
    if _kernel is not None:
        os.environ[BLAS_KERNEL_VARIABLE] = _kernel
    _disabled = disabled_numpy_features(dict(os.environ), _flags)
    if _disabled is not None:
        _own = os.environ.get(NUMPY_DISABLED_FEATURES_VARIABLE, "").replace(",", " ").split()
        os.environ[NUMPY_DISABLED_FEATURES_VARIABLE] = " ".join(dict.fromkeys(_own + _disabled.split()))

if not any(variable in os.environ for variable in BLAS_THREAD_VARIABLES):
    for variable in BLAS_THREAD_VARIABLES:
        os.environ[variable] = "1"
    if "numpy" in sys.modules:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
