"""The analysis resolution of a slide and the frame that is analysed.

:func:`resolve_scale` turns a target magnification or microns per pixel
into a downsample from level 0, from the slide's recorded resolution or the
one the user gives (both checked against what scanners produce,
:mod:`.resolution`); :func:`analysis_frame` is the level-0 rectangle QuPath
shows.
"""
from dataclasses import dataclass
from typing import Optional, Tuple

from ..setting_names import setting
from .backends import SlideError, SlideReader
from .resolution import (MAGNIFICATION_X_MPP, MAX_UPSAMPLE,
                         implausible_magnification, implausible_mpp)


@dataclass(frozen=True)
class SlideScale:
    """The analysis resolution of a slide.

    Args:
        downsample (float): Level-0 pixels per analysis pixel.
        mpp (float | None): Microns per analysis pixel, when the slide's
            pixel size is known (recorded, or given by the user).
        magnification (float | None): Equivalent magnification, when known.
    """
    downsample: float
    mpp: Optional[float]
    magnification: Optional[float]


def resolve_scale(reader: SlideReader,
                  magnification: Optional[float] = 10.0,
                  mpp: Optional[float] = None,
                  input_mpp: Optional[float] = None,
                  input_magnification: Optional[float] = None) -> SlideScale:
    """Work out the downsample that reads a slide at the target resolution.

    A magnification target uses the slide's objective power when recorded
    (x40 to x10 is exactly 4), a microns-per-pixel target its pixel size;
    when only the other one is recorded, ``magnification x mpp = 10`` (x10 =
    1 um/px) converts between them. A resolution the user gives replaces
    both recorded ones. Resolutions no slide scanner produces, and analysis
    resolutions finer than level 0 by more than ``MAX_UPSAMPLE``, are
    refused (:mod:`.resolution`).

    Args:
        reader (SlideReader): The slide.
        magnification (float, optional): Target magnification (default x10,
            the paper's). Ignored when ``mpp`` is given.
        mpp (float, optional): Target microns per pixel.
        input_mpp (float, optional): The slide's level-0 microns per pixel,
            overriding (or standing in for) its metadata.
        input_magnification (float, optional): The slide's level-0
            magnification, overriding (or standing in for) its metadata.

    Returns:
        SlideScale: The downsample and the analysis pixel size.

    Raises:
        SlideError: If the slide records neither pixel size nor
            magnification and none was given, if the level-0 resolution is
            not a scanner's, or if the analysis would up-sample level 0
            more than ``MAX_UPSAMPLE`` times, or shrink it to less than
            one pixel a side (``--magnification 1e-300``).
    """
    slide_mpp, slide_mag = _level0_resolution(reader, input_mpp,
                                              input_magnification)
    if slide_mpp is None and slide_mag is None:
        raise SlideError(
            f'{reader.path}: no resolution metadata (microns per pixel or '
            f'objective power); pass {setting("input_mpp")} or '
            f'{setting("input_magnification")} (e.g. '
            f'{setting("input_magnification", 10)} for MTCHI regions)')
    if mpp is None and magnification is None:
        raise ValueError('give a target magnification or mpp')
    if mpp is not None:
        downsample = mpp / (slide_mpp or MAGNIFICATION_X_MPP / slide_mag)
    else:
        downsample = (slide_mag or MAGNIFICATION_X_MPP / slide_mpp) / \
            magnification
    # x40 -> x10 from 0.2500001 um/px metadata is a downsample of 4, not
    # 4.0000004.
    if abs(downsample - round(downsample)) < 1e-6 * downsample:
        downsample = float(round(downsample))
    if downsample * MAX_UPSAMPLE < 1 - 1e-9:
        target = f'{mpp:g} um/px' if mpp is not None else \
            f'x{magnification:g}'
        level0 = f'{slide_mpp:g} um/px' if slide_mpp else f'x{slide_mag:g}'
        raise SlideError(
            f'{reader.path}: analysing it at {target} would up-sample its '
            f'level 0 ({level0}) {1 / downsample:.3g}x, more than the '
            f'{MAX_UPSAMPLE:g}x allowed; if that resolution is wrong pass '
            f'{setting("input_mpp")} or {setting("input_magnification")}, '
            f'else ask for a coarser {setting("mpp")} or '
            f'{setting("magnification")}')
    width, height = reader.level_dimensions[0]
    if min(width, height) < downsample:
        target = f'{mpp:g} um/px' if mpp is not None else \
            f'x{magnification:g}'
        raise SlideError(
            f'{reader.path}: analysing it at {target} would shrink its '
            f'{width}x{height} level 0 to {width / downsample:.3g}x'
            f'{height / downsample:.3g} pixels, less than one a side; ask '
            f'for a finer {setting("magnification")} or {setting("mpp")} '
            '(the paper\'s x10)')
    return SlideScale(
        downsample=downsample,
        mpp=slide_mpp * downsample if slide_mpp else None,
        magnification=slide_mag / downsample if slide_mag else None)


def _level0_resolution(
        reader: SlideReader, input_mpp: Optional[float],
        input_magnification: Optional[float]
) -> Tuple[Optional[float], Optional[float]]:
    """The level-0 ``(mpp, magnification)`` to use: the user's, if given
    (both recorded values are then ignored), else the recorded ones; either
    way checked against what slide scanners produce."""
    given = input_mpp is not None or input_magnification is not None
    mpp, magnification = (input_mpp, input_magnification) if given else (
        reader.mpp, reader.objective_power)
    for value, implausible in ((mpp, implausible_mpp),
                               (magnification, implausible_magnification)):
        reason = implausible(value) if value is not None else None
        if reason:
            raise SlideError(
                f'{reader.path}: level-0 resolution {reason} '
                f'({"as given" if given else "recorded in the file"}); pass '
                f'the real one with {setting("input_mpp")} (or '
                f'{setting("input_magnification")})')
    return mpp, magnification


def analysis_frame(reader: SlideReader) -> Tuple[int, int, int, int]:
    """The level-0 rectangle that is analysed: what QuPath shows.

    QuPath crops an OpenSlide image to ``openslide.bounds-*`` when both the
    bounds' width and height differ from the slide's; outputs use the same
    frame so that the label map and the GeoJSON line up with the slide there.

    Args:
        reader (SlideReader): The slide.

    Returns:
        tuple[int, int, int, int]: ``(x, y, width, height)`` in level-0
        pixels.
    """
    width, height = reader.level_dimensions[0]
    if reader.bounds is not None:
        x, y, bounds_width, bounds_height = reader.bounds
        if bounds_width != width and bounds_height != height:
            return x, y, bounds_width, bounds_height
    return 0, 0, width, height
