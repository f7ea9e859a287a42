"""Names a package exports but imports only when first used.

``import mmseg_hsp`` runs in every config (``custom_imports``), in every
dataloader worker and in every tool: it registers modules and must not load
the slide stack (OpenSlide, tifffile, scikit-image, torchstain). A package
whose exports need those libraries lists them here instead of importing
them, and they load on first access (PEP 562's module ``__getattr__``).
"""
import importlib
from typing import Callable, Dict, Sequence


def lazy_exports(package: str,
                 modules: Dict[str, Sequence[str]]) -> Callable[[str], object]:
    """A module ``__getattr__`` importing each name from its module on use.

    Args:
        package (str): The package's ``__name__``.
        modules (dict[str, Sequence[str]]): Relative module name (``'.hed'``)
            -> the names it exports.

    Returns:
        Callable[[str], object]: Assign it to the package's ``__getattr__``.

    Example:
        >>> __getattr__ = lazy_exports(__name__, {'.hed': ['rgb_to_hed']})
    """
    owner = {
        name: module
        for module, names in modules.items() for name in names
    }

    def __getattr__(name: str):
        if name not in owner:
            raise AttributeError(
                f'module {package!r} has no attribute {name!r}')
        return getattr(importlib.import_module(owner[name], package), name)

    return __getattr__
