"""Class names of annotations matched to a config's classes.

A name equal to a class, ignoring letter case, spaces, hyphens and
underscores (``normal``, ``CIN 1``, ``cin-2``), is that class; other names
(``HSIL``, ``CIN 2/3``...) are mapped by the user (``--class-map
NAME=CLASS``) or left out (``--ignore-class NAME``). A name neither matched,
mapped nor left out stops the conversion with one line listing them all.
"""
import json
import os.path as osp
from collections import Counter
from typing import Dict, Iterable, Mapping, Optional, Sequence


def normalise_class_name(name: str) -> str:
    """The name compared: lower case, without spaces, hyphens, underscores.

    Args:
        name (str): e.g. ``'CIN 1'``.

    Returns:
        str: e.g. ``'cin1'``.
    """
    return ''.join(c for c in name.lower() if c not in ' -_')


def class_mapping(names_found: Mapping[str, int],
                  classes: Sequence[str],
                  class_map: Optional[Mapping[str, str]] = None,
                  ignore: Iterable[str] = ()) -> Dict[str, int]:
    """The class index of every annotation name found.

    Args:
        names_found (Mapping[str, int]): Polygons per name, as the files
            spell it (a :class:`~collections.Counter`).
        classes (Sequence[str]): The config's classes, in index order.
        class_map (Mapping[str, str], optional): Annotation name -> class
            name (both compared as :func:`normalise_class_name` does).
        ignore (Iterable[str]): Names left out (their polygons are not
            drawn).

    Returns:
        dict[str, int]: Index of each found name, ignored names left out.

    Raises:
        ValueError: One line: a ``class_map`` target that is not a class,
            or every name found that is neither a class, mapped nor
            ignored, with its polygon count and the fix.
    """
    index = {normalise_class_name(c): i for i, c in enumerate(classes)}
    mapped = {}
    for name, target in (class_map or {}).items():
        if normalise_class_name(target) not in index:
            raise ValueError(
                f'--class-map {name}={target}: {target!r} is not a class; '
                f'the classes are {", ".join(classes)}')
        mapped[normalise_class_name(name)] = index[normalise_class_name(
            target)]
    ignored = {normalise_class_name(name) for name in ignore}
    mapping, unknown = {}, Counter()
    for name, count in names_found.items():
        key = normalise_class_name(name)
        if key in ignored:
            continue
        if key in mapped:
            mapping[name] = mapped[key]
        elif key in index:
            mapping[name] = index[key]
        else:
            unknown[name] += count
    if unknown:
        listed = ', '.join(f'{name!r} ({count} polygon'
                           f'{"" if count == 1 else "s"})'
                           for name, count in sorted(unknown.items()))
        raise ValueError(
            f'unknown class names in the annotations: {listed}; map each to '
            f'one of {", ".join(classes)} with --class-map NAME=CLASS, or '
            'leave it out with --ignore-class NAME')
    return mapping


def parse_class_map(text: str) -> Dict[str, str]:
    """``--class-map``: a JSON file ``{"NAME": "CLASS"}`` or
    ``NAME=CLASS,NAME=CLASS``.

    Args:
        text (str): The flag's value.

    Returns:
        dict[str, str]: Annotation name -> class name.

    Raises:
        ValueError: One line (without the flag's name, which argparse
            adds), if the file is not a JSON object of strings or an item
            has no ``=``.
    """
    if osp.isfile(text):
        try:
            with open(text) as f:
                content = json.load(f)
        except (OSError, ValueError) as e:
            raise ValueError(f'{text}: cannot be read as JSON ({e})') \
                from None
        if not isinstance(content, dict) or not all(
                isinstance(v, str) for v in content.values()):
            raise ValueError(f'{text}: expected a JSON object '
                             '{"NAME": "CLASS", ...}')
        return dict(content)
    mapping = {}
    for item in filter(None, (i.strip() for i in text.split(','))):
        name, sep, target = item.rpartition('=')
        if not sep or not name.strip() or not target.strip():
            raise ValueError(f'{item!r} is not NAME=CLASS; give '
                             'NAME=CLASS,NAME=CLASS or a JSON file')
        mapping[name.strip()] = target.strip()
    if not mapping:
        raise ValueError(f'{text!r}: no NAME=CLASS given')
    return mapping
