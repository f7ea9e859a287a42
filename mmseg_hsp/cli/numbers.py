"""argparse types that refuse impossible numbers when the flags are parsed.

``type=float`` accepts ``-1``, ``0``, ``nan`` and ``inf``; with these types
argparse answers ``<tool>: error: argument --mpp: must be > 0, got 0`` (exit
code 2) before anything is loaded, instead of a ZeroDivisionError, a 1x1
label map or a silently ignored flag later.
"""
import argparse
import math
from typing import Callable, Optional

from ..slide_io.resolution import implausible_magnification, implausible_mpp


def _number(cast: Callable, text: str):
    try:
        value = cast(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'{text!r} is not a {cast.__name__}') from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f'must be a finite number, got '
                                         f'{text}')
    return value


def bounded_below(minimum: float,
                  cast: Callable = float,
                  inclusive: bool = False) -> Callable[[str], float]:
    """An argparse type for numbers above (or at) ``minimum``.

    Args:
        minimum (float): The bound.
        cast (Callable): ``float`` (default) or ``int``.
        inclusive (bool): Whether ``minimum`` itself is allowed. Defaults
            to False.

    Returns:
        Callable[[str], float]: The type.
    """
    relation = '>=' if inclusive else '>'

    def parse(text: str):
        value = _number(cast, text)
        if value < minimum or (value == minimum and not inclusive):
            raise argparse.ArgumentTypeError(
                f'must be {relation} {minimum:g}, got {text}')
        return value

    parse.__name__ = f'{cast.__name__} {relation} {minimum:g}'
    return parse


def positive(cast: Callable = float) -> Callable[[str], float]:
    """An argparse type for numbers > 0 (``float`` or ``int``)."""
    return bounded_below(0, cast)


def non_negative(cast: Callable = float) -> Callable[[str], float]:
    """An argparse type for numbers >= 0 (``float`` or ``int``)."""
    return bounded_below(0, cast, inclusive=True)


def fraction(text: str) -> float:
    """An argparse type for a share between 0 and 1 (both included)."""
    value = _number(float, text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f'must be between 0 and 1, got '
                                         f'{text}')
    return value


def _plausible(check: Callable[[float], Optional[str]]):

    def parse(text: str) -> float:
        value = positive()(text)
        reason = check(value)
        if reason:
            raise argparse.ArgumentTypeError(reason)
        return value

    return parse


# --input-mpp: a level-0 pixel size a slide scanner can have.
level0_mpp = _plausible(implausible_mpp)
level0_mpp.__name__ = 'level-0 microns per pixel'
# --input-magnification: a level-0 magnification a slide scanner can have.
level0_magnification = _plausible(implausible_magnification)
level0_magnification.__name__ = 'level-0 magnification'
