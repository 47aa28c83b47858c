"""Solara's front-end assets, cached locally so the app runs with no internet (air-gapped policy shops included).

Solara's page asks its own server for ``/_solara/cdn/<package>@<version>/<file>``; the server answers from
``SOLARA_ASSETS_PROXY_CACHE_DIR`` and would otherwise fetch the file from a public CDN. This module fills that
folder from the npm registry with the npm client (``npm pack``), one package at the exact version the page
requests, unpacked where the CDN path points. :func:`server_environment` gives the variables the app runs with:
the cache, a loopback CDN address (a file missing from the cache fails at once instead of waiting on a CDN that
cannot be reached) and telemetry off.

Usage: ``python -m visualization.assets [CACHE_DIR]`` (``make setup`` runs it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# The versions Solara 1.64 requests with ipyvue < 2 and ipyvuetify < 2 (the page's own requests, and those that
# solara.Markdown makes for formulas and diagrams, and Altair charts for Vega).
ASSET_PACKAGES = (
    "@widgetti/solara-vuetify-app@10.1.1",
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
    "vega@5",
    "vega-lite@5",
    "vega-embed@6",
    "mermaid@10.8.0",
    "katex@0.16.9",
)
DEFAULT_CACHE_DIR = Path(sys.prefix) / "share" / "aicm" / "solara-cdn"
UNREACHABLE_CDN = "http://127.0.0.1:9/"
STAMP = ".complete"


def cached(cache_dir: Path, spec: str) -> bool:
    """Whether ``spec`` (``name@version``) is unpacked in the cache."""
    return (cache_dir / spec / STAMP).exists()


def fill_cache(cache_dir: Path = DEFAULT_CACHE_DIR, packages: tuple[str, ...] = ASSET_PACKAGES) -> list[str]:
    """Download and unpack every package not yet in ``cache_dir``; return the ones fetched.

    Raises:
        RuntimeError: when npm is missing or a package cannot be fetched (the message names it).
    """
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed: the Solara app's front-end assets come from the npm registry")
    fetched = []
    for spec in packages:
        if cached(cache_dir, spec):
            continue
        with tempfile.TemporaryDirectory() as scratch:
            result = subprocess.run([npm, "pack", spec, "--json", "--pack-destination", scratch], capture_output=True,
                                    text=True, timeout=600)
            if result.returncode != 0:
                raise RuntimeError(f"npm pack {spec} failed: {result.stderr.strip().splitlines()[-1:]}")
            tarball = Path(scratch) / json.loads(result.stdout)[0]["filename"]
            with tarfile.open(tarball) as archive:
                archive.extractall(scratch, filter="data")
            target = cache_dir / spec
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(Path(scratch) / "package"), target)
            (target / STAMP).write_text("", encoding="utf-8")
        fetched.append(spec)
    return fetched


def server_environment(cache_dir: Path = DEFAULT_CACHE_DIR) -> dict[str, str]:
    """Environment variables for the Solara server: local asset cache, a loopback CDN, no telemetry."""
    return {"SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache_dir), "SOLARA_ASSETS_CDN": UNREACHABLE_CDN,
            "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_ASSETS_PROXY": "True"}


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CACHE_DIR
    done = fill_cache(target)
    print(f"Solara assets in {target}: {len(ASSET_PACKAGES)} packages ({len(done)} fetched now)")
