"""Libraries of an extra, imported where they are used.

Training needs none of them, so ``import mmseg_hsp`` (every config's
``custom_imports``) stays light and a user who only trains need not install
them: stain maths (``pip install 'mmseg_hsp[stain]'``: scikit-image,
torchstain) and slide outputs (``'mmseg_hsp[wsi]'``: rasterio, with the
stain libraries for ``--stain-normalize``).
"""
import importlib
from types import ModuleType


class MissingExtraError(ImportError):
    """A library of one of the package's extras is not installed."""


def import_extra(module: str, extra: str) -> ModuleType:
    """Import ``module``, which the extra ``extra`` installs.

    Args:
        module (str): Dotted module name, e.g. ``'skimage.color'``.
        extra (str): The extra that installs it, e.g. ``'stain'``.

    Returns:
        ModuleType: The module.

    Raises:
        MissingExtraError: If it is not installed, naming the pip command.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        missing = (e.name or module).partition('.')[0]
        raise MissingExtraError(f"{missing} is not installed: pip install "
                                f"'mmseg_hsp[{extra}]'") from e
