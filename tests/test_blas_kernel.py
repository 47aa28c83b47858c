"""OpenBLAS's kernels pinned on machines with AVX-512 (market/__init__.py), so runs give the same numbers to the last
bit on Zen 4 and Zen 5 alike, whatever kernel the machine's environment names."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from market import (BLAS_KERNEL_VARIABLE, KERNEL_CHOICE_VARIABLE, REPRODUCIBLE_BLAS_KERNEL, SKYLAKEX_CPU_FLAGS,
                    pinned_blas_kernel, read_cpu_flags)

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("environment", "flags", "kernel"), [
    ({}, SKYLAKEX_CPU_FLAGS | {"avx2"}, REPRODUCIBLE_BLAS_KERNEL),
    ({BLAS_KERNEL_VARIABLE: "Haswell"}, SKYLAKEX_CPU_FLAGS, REPRODUCIBLE_BLAS_KERNEL),
    ({}, frozenset({"avx2", "avx512f", "avx512cd", "avx512bw", "avx512dq"}), None),
    ({KERNEL_CHOICE_VARIABLE: "native"}, SKYLAKEX_CPU_FLAGS, None),
    ({KERNEL_CHOICE_VARIABLE: "Haswell"}, SKYLAKEX_CPU_FLAGS, "Haswell"),
])
def test_the_kernel_pinned_follows_the_processor_and_the_user_s_choice(environment, flags, kernel) -> None:
    """SkylakeX where all five of its AVX-512 features are present, replacing the environment's kernel; none where one
    is missing; the user's AICM_BLAS_KERNEL first, ``native`` pinning nothing."""
    assert pinned_blas_kernel(environment, flags) == kernel


def test_cpu_flags_are_read_from_the_flags_line(tmp_path) -> None:
    """The first ``flags`` line's words; nothing when the file is missing (not Linux)."""
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu avx2 avx512f\n\nflags\t\t: other\n")
    assert read_cpu_flags(cpuinfo) == frozenset({"fpu", "avx2", "avx512f"})
    assert read_cpu_flags(tmp_path / "missing") == frozenset()


@pytest.mark.parametrize("package", ["experiments", "visualization", "benchmarks", "agents", "tests"])
def test_each_package_pins_the_kernel_before_numpy_loads(package) -> None:
    """In a fresh process whose environment names Haswell, importing the package and then numpy loads OpenBLAS with the
    pinned kernel (on a machine with AVX-512) or leaves the environment's (without). Fails if a package lets numpy load
    before ``market`` has pinned it. Skipped where OpenBLAS kernels mean nothing (not x86-64)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        pytest.skip("OpenBLAS's x86 kernels are pinned on x86-64 machines only")
    code = (f"import {package}\nimport numpy\nfrom threadpoolctl import threadpool_info\n"
            "print(([i['architecture'] for i in threadpool_info() if i['internal_api'] == 'openblas'] or ['none'])[0])\n")
    environment = {k: v for k, v in os.environ.items() if k != KERNEL_CHOICE_VARIABLE}
    environment[BLAS_KERNEL_VARIABLE] = "Haswell"
    done = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    if done.stdout.strip() == "none":
        pytest.skip("numpy is not built on OpenBLAS here")
    expected = pinned_blas_kernel({}, read_cpu_flags()) or "Haswell"
    assert done.stdout.strip().lower() == expected.lower(), done.stdout
