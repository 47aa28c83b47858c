"""Where each parameter default comes from: per-entry sources override a field's generic source."""

from __future__ import annotations

from market.parameters import energy as _energy
from market.parameters import finance as _finance
from market.parameters import params as _params
from market.parameters import physical as _physical
from market.parameters import roster as _roster
from market.parameters import utilities as _utilities
from market.parameters.schema import ParamMeta

ENTRY_SOURCES: dict[str, str] = {**_params.ENTRY_SOURCES, **_physical.ENTRY_SOURCES, **_finance.ENTRY_SOURCES,
                                  **_energy.ENTRY_SOURCES, **_roster.ENTRY_SOURCES,
                                  **_utilities.ENTRY_SOURCES}


def source_of(path: str, meta: ParamMeta) -> str:
    """Return the source of the default at ``path``: its own entry if listed, else the field's."""
    return ENTRY_SOURCES.get(path) or meta.source or "assumption: no public figure"
