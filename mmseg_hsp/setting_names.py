"""How a message names a setting: as the caller spelled it.

The slide pipeline has one vocabulary for its flags
(``tools/infer_wsi.py``) and its keywords (:mod:`mmseg_hsp.apis`): flag
``--input-mpp`` is keyword ``input_mpp``, and ``--no-confidence`` is
``confidence=False`` (``--no-X`` is ``X=False``). A message from the
layers below names a setting with :func:`setting`, so that it reads
``pass --input-mpp`` on the command line and ``pass input_mpp=`` in
Python: the tools run under :func:`spelled_as_flags`, everything else is
spelled as keywords. The wording is decided where the message is made, so
a reason kept as text (a failed slide's ``error``) reads as its caller
speaks.
"""
import contextlib
import contextvars
from typing import Any, Iterator

_AS_FLAGS = contextvars.ContextVar('mmseg_hsp_settings_as_flags',
                                   default=False)
# A value not given: the setting is named, not set.
_UNSET = object()


def setting(name: str, value: Any = _UNSET) -> str:
    """A setting as the caller writes it.

    Args:
        name (str): The keyword, e.g. ``'input_mpp'``.
        value (Any, optional): A value to show with it. A boolean is the
            switch: ``setting('overwrite', True)`` is ``--overwrite`` or
            ``overwrite=True``, ``setting('confidence', False)`` is
            ``--no-confidence`` or ``confidence=False``.

    Returns:
        str: ``--input-mpp`` (``--input-magnification 10`` with a value)
        under :func:`spelled_as_flags`, else ``input_mpp=``
        (``input_magnification=10``).
    """
    if not _AS_FLAGS.get():
        return f'{name}=' + ('' if value is _UNSET else repr(value))
    flag = name.replace('_', '-')
    if value is False:
        return f'--no-{flag}'
    if value is _UNSET or value is True:
        return f'--{flag}'
    return f'--{flag} {value}'


@contextlib.contextmanager
def spelled_as_flags() -> Iterator[None]:
    """Name settings as command-line flags within the block."""
    token = _AS_FLAGS.set(True)
    try:
        yield
    finally:
        _AS_FLAGS.reset(token)
