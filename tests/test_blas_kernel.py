"""OpenBLAS's kernels and numpy's vector loops pinned on x86-64 machines with AVX2 and FMA (market/__init__.py), so runs
give the same numbers to the last bit with AVX-512 or without, whatever kernel the machine's environment names."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from market import (BLAS_KERNEL_VARIABLE, HASWELL_CPU_FLAGS, KERNEL_CHOICE_VARIABLE, NUMPY_AVX512_TARGETS,
                    REPRODUCIBLE_BLAS_KERNEL, disabled_numpy_features, pinned_blas_kernel, read_cpu_flags)

AVX512_CPU_FLAGS = frozenset({"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"})

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("environment", "flags", "kernel"), [
    ({}, AVX512_CPU_FLAGS | HASWELL_CPU_FLAGS, REPRODUCIBLE_BLAS_KERNEL),
    ({}, HASWELL_CPU_FLAGS, REPRODUCIBLE_BLAS_KERNEL),
    ({BLAS_KERNEL_VARIABLE: "SkylakeX"}, AVX512_CPU_FLAGS | HASWELL_CPU_FLAGS, REPRODUCIBLE_BLAS_KERNEL),
    ({}, frozenset({"avx2"}) | AVX512_CPU_FLAGS, None),
    ({KERNEL_CHOICE_VARIABLE: "native"}, HASWELL_CPU_FLAGS, None),
    ({KERNEL_CHOICE_VARIABLE: "Sandybridge"}, HASWELL_CPU_FLAGS, "Sandybridge"),
])
def test_the_kernel_pinned_follows_the_processor_and_the_user_s_choice(environment, flags, kernel) -> None:
    """Haswell where AVX2 and FMA are present, AVX-512 or not, replacing the environment's kernel; none where FMA is
    missing; the user's AICM_BLAS_KERNEL first, ``native`` pinning nothing."""
    assert pinned_blas_kernel(environment, flags) == kernel
    expected = None if environment.get(KERNEL_CHOICE_VARIABLE) == "native" or not HASWELL_CPU_FLAGS <= flags \
        else NUMPY_AVX512_TARGETS
    assert disabled_numpy_features(environment, flags) == expected


def test_cpu_flags_are_read_from_the_flags_line(tmp_path) -> None:
    """The first ``flags`` line's words; nothing when the file is missing (not Linux)."""
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu avx2 avx512f\n\nflags\t\t: other\n")
    assert read_cpu_flags(cpuinfo) == frozenset({"fpu", "avx2", "avx512f"})
    assert read_cpu_flags(tmp_path / "missing") == frozenset()


@pytest.mark.parametrize("package", ["experiments", "visualization", "benchmarks", "agents", "tests"])
def test_each_package_pins_the_kernel_before_numpy_loads(package) -> None:
    """In a fresh process whose environment names Sandybridge, importing the package and then numpy loads OpenBLAS with
    the pinned kernel (on a machine with AVX2 and FMA) or leaves the environment's (without), and numpy runs none of
    its AVX-512 loops. Fails if a package lets numpy load before ``market`` has pinned it. Skipped where OpenBLAS
    kernels mean nothing (not x86-64)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        pytest.skip("OpenBLAS's x86 kernels are pinned on x86-64 machines only")
    code = (f"import {package}\nimport numpy\nfrom threadpoolctl import threadpool_info\n"
            "from numpy._core._multiarray_umath import __cpu_features__ as features\n"
            "import os\n"
            "print(([i['architecture'] for i in threadpool_info() if i['internal_api'] == 'openblas'] or ['none'])[0],"
            " features.get('X86_V4', False), os.environ.get('NPY_DISABLE_CPU_FEATURES', '').replace(' ', ','))\n")
    environment = {k: v for k, v in os.environ.items() if k != KERNEL_CHOICE_VARIABLE}
    environment["NPY_DISABLE_CPU_FEATURES"] = "AVX512_SPR"
    environment[BLAS_KERNEL_VARIABLE] = "Sandybridge"
    done = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    kernel, avx512_loops, disabled = done.stdout.split()
    if HASWELL_CPU_FLAGS <= read_cpu_flags():
        assert avx512_loops == "False", done.stdout
        assert disabled.split(",") == ["AVX512_SPR", "X86_V4", "AVX512_ICL"], done.stdout
    if kernel == "none":
        pytest.skip("numpy is not built on OpenBLAS here")
    expected = pinned_blas_kernel({}, read_cpu_flags()) or "Sandybridge"
    assert kernel.lower() == expected.lower(), done.stdout
