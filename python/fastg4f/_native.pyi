"""Type stubs of the Rust extension ``fastg4f._native`` (hand-written; checked by stubtest)."""

from typing import Final

# Must list exactly what the module registers (stubtest checks it).
__all__ = [
    "__version__",
    "build_profile",
]

__version__: Final[str]
build_profile: Final[str]
"""``"release"`` or ``"debug"``: the Cargo profile the extension was built with."""

# --- format ---------------------------------------------------------------------------------------

# --- pow ------------------------------------------------------------------------------------------

# --- sse ------------------------------------------------------------------------------------------

# --- conversation ---------------------------------------------------------------------------------
