"""The slide segmenter's settings as flat keywords, one per flag.

``tools/infer_wsi.py --input-mpp 0.5 --no-confidence`` is
``init_slide_segmenter(..., input_mpp=0.5, confidence=False)``: a flag
``--x-y`` is the keyword ``x_y`` and a switch ``--no-x`` is ``x=False``.
:func:`segmenter_settings` turns them into the structured settings of
:meth:`SlideSegmenter.from_model` (``blend``, ``resolution``, ``outputs``,
``stain``), which may be given too: a flat keyword wins over the same
setting in them.
"""
import difflib
import functools
import inspect
from dataclasses import fields, replace
from typing import Callable, Dict, Iterable

from ..tiling import BlendSpec
from .outputs import slide_outputs
from .specs import OutputSpec, ResolutionSpec
from .stain import SlideStain

# The flat keywords of each structured setting, by the spec field each
# sets (BlendSpec's and ResolutionSpec's are their own fields).
BLEND_KEYWORDS = tuple(f.name for f in fields(BlendSpec) if f.init)
RESOLUTION_KEYWORDS = tuple(f.name for f in fields(ResolutionSpec))
# --no-black-background: the flag came first.
OUTPUT_SETTINGS = dict(tissue_mask='tissue_mask',
                       black_background='black_is_background',
                       geojson_origin='geojson_origin',
                       geojson_min_area='geojson_min_area',
                       two_tier='two_tier')
# What the rest of from_model takes as it is; ``stain_normalize`` is the
# flag's way to ``stain``.
OTHER_KEYWORDS = ('blend', 'resolution', 'outputs', 'scores', 'channels_last',
                  'progress', 'stain', 'stain_normalize')
# stain_normalize values that turn normalisation off (the flag's 'none').
NO_STAIN = (False, 'none')


def output_keywords() -> Dict[str, str]:
    """The flat keywords of :class:`OutputSpec`, by the field each sets:
    its settings, and a switch per optional registered output
    (``confidence``, ``dicom_seg``: :mod:`.outputs`)."""
    spec_fields = {f.name for f in fields(OutputSpec)}
    switches = {
        kind.name: kind.option
        for kind in slide_outputs() if kind.option in spec_fields
    }
    return dict(OUTPUT_SETTINGS, **switches)


def settings_keywords() -> tuple:
    """tuple[str]: Every keyword :func:`segmenter_settings` takes."""
    return (RESOLUTION_KEYWORDS + BLEND_KEYWORDS + tuple(output_keywords()) +
            OTHER_KEYWORDS)


def check_keywords(given: Iterable[str], known: Iterable[str],
                   caller: str) -> None:
    """Refuse an unknown keyword, naming the nearest known one.

    Args:
        given (Iterable[str]): The keywords given.
        known (Iterable[str]): Those the caller takes.
        caller (str): Named in the message, e.g.
            ``'init_slide_segmenter()'``.

    Raises:
        TypeError: For the first unknown keyword, in one line.
    """
    known = list(known)
    for name in given:
        if name not in known:
            nearest = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f'did you mean {nearest[0]}=?' if nearest else \
                f'it takes {", ".join(known)}'
            raise TypeError(f'{caller} got an unknown keyword {name!r}; '
                            f'{hint}')


def keywords_checked(extra: Callable[[], Iterable[str]] = tuple):
    """Make a function refuse an unknown keyword naming the nearest one
    (Python's own ``TypeError`` names none).

    Args:
        extra (Callable[[], Iterable[str]]): What its ``**kwargs`` take
            besides its named parameters, asked at each call (outputs
            register at runtime). Defaults to nothing.

    Returns:
        Callable: The decorator.
    """

    def decorate(function):
        named = [
            parameter.name
            for parameter in inspect.signature(function).parameters.values()
            if parameter.kind is not parameter.VAR_KEYWORD
        ]

        @functools.wraps(function)
        def checked(*args, **kwargs):
            check_keywords(kwargs, named + list(extra()),
                           f'{function.__name__}()')
            return function(*args, **kwargs)

        return checked

    return decorate


def segmenter_settings(settings: dict,
                       caller: str = 'init_slide_segmenter()') -> dict:
    """Flat and structured settings as :meth:`SlideSegmenter.from_model`'s.

    Args:
        settings (dict): Keywords of :func:`settings_keywords`; None values
            of flat ones count as not given.
        caller (str): Who took them, for the message of an unknown one.

    Returns:
        dict: ``blend``, ``resolution``, ``outputs`` (each a spec or a
        dict), and ``scores``, ``channels_last``, ``progress``, ``stain``
        where given.

    Raises:
        TypeError: If a keyword is unknown (naming the nearest known one).
        ValueError: If ``stain`` and ``stain_normalize`` are both given.
    """
    check_keywords(settings, settings_keywords(), caller)
    settings = dict(settings)
    # structured setting -> {flat keyword: the spec field it sets}
    flat_keywords = dict(
        blend={name: name for name in BLEND_KEYWORDS},
        resolution={name: name for name in RESOLUTION_KEYWORDS},
        outputs=output_keywords())
    for key, names in flat_keywords.items():
        given = {
            field: settings.pop(name)
            for name, field in names.items() if name in settings
        }
        settings[key] = _merged(
            settings.get(key),
            {field: value for field, value in given.items()
             if value is not None})
    if settings.get('stain_normalize') is not None:
        if 'stain' in settings:
            raise ValueError(f'{caller} got stain= and stain_normalize=; '
                             'give one')
        reference = settings['stain_normalize']
        settings['stain'] = None if reference in NO_STAIN else SlideStain(
            None if reference is True else reference)
    settings.pop('stain_normalize', None)
    return settings


def _merged(structured, flat: dict):
    """A structured setting (a spec, a dict or None) with flat values over
    it."""
    if not flat:
        return structured
    if structured is None or isinstance(structured, dict):
        return dict(structured or {}, **flat)
    return replace(structured, **flat)
