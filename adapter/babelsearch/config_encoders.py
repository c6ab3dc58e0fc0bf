"""The table of encoder kinds, shared by the config loader and the encoder registry.

Why a module below both: the loader must refuse ``encoder.kind: nope`` when the file is
loaded, and :mod:`babelsearch.encoders.registry` must build the kind later; neither may
import the other (the encoders build on the config). So the one table lives here, and
``babelsearch.encoders.registry.KINDS`` *is* :data:`KINDS` -- a kind registered at run
time (``registry.KINDS["fault-hash"] = ...``, as tests/faults does) is known to the
loader from then on. Naming a module is not importing it: no model library is loaded.
"""

from __future__ import annotations

__all__ = ["ALIASES", "KINDS", "canonical_kind"]

KINDS: dict[str, tuple[str, str]] = {
    "use": (".use", "UseEncoder"),
    "bge-m3": (".bge_m3", "BgeM3Encoder"),
    "sentence-transformers": (".st", "SentenceTransformerEncoder"),
}
"""kind -> (module, class); a relative module is relative to ``babelsearch.encoders``.
Each module also has ``describe(cfg)`` (see :mod:`babelsearch.encoders.registry`)."""

ALIASES: dict[str, str] = {"bge_m3": "bge-m3", "bgem3": "bge-m3", "st": "sentence-transformers"}


def canonical_kind(kind: str) -> str | None:
    """The registered kind ``kind`` names (case-insensitive, aliases resolved), or None."""
    name = ALIASES.get(kind.lower(), kind.lower())
    return name if name in KINDS else None
