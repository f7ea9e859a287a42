"""Keeping resident memory flat while tiles stream through."""
import ctypes
import ctypes.util
import os
from typing import Optional


class HeapTrimmer:
    """Give the C heap's free pages back when resident memory creeps up.

    Batch after batch, torch and numpy free and re-allocate buffers of many
    sizes; glibc keeps the freed pages of its fragmented heap, so resident
    memory would grow with the number of tiles. Trimming (``malloc_trim``)
    costs page faults on the next allocations, so it is done only when the
    resident size exceeds the level after the first band by ``slack``. A
    no-op where the C library is not glibc or ``/proc`` is missing.

    Args:
        slack (int): Allowed growth in bytes. Defaults to 64 MiB.
    """

    def __init__(self, slack: int = 64 << 20):
        self.slack = slack
        self.limit = None
        try:
            self._trim = ctypes.CDLL(ctypes.util.find_library('c')).malloc_trim
        except (OSError, AttributeError, TypeError):
            self._trim = None

    @staticmethod
    def resident() -> Optional[int]:
        """int | None: Resident bytes of this process (Linux)."""
        try:
            with open('/proc/self/statm') as f:
                return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
        except (OSError, ValueError):
            return None

    def __call__(self) -> None:
        """Check the resident size; trim the heap if it grew too much."""
        resident = self.resident() if self._trim is not None else None
        if resident is None:
            return
        if self.limit is None:
            self.limit = resident + self.slack
        elif resident > self.limit:
            self._trim(0)
            self.limit = (self.resident() or resident) + self.slack
