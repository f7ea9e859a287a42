"""The flags that match annotation class names to a model's classes, one
vocabulary for the tools that read annotations (``convert_slides``,
``evaluate_slides``; :func:`mmseg_hsp.annotations.class_mapping`)."""
import argparse

from ..annotations import parse_class_map
from ..datasets.mtchi import MTCHI_CLASSES


def class_map(text: str) -> dict:
    """``--class-map``, its errors shown by argparse as one line."""
    try:
        return parse_class_map(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_class_name_args(parser: argparse.ArgumentParser,
                        classes_help: str) -> None:
    """``--classes``, ``--class-map`` and ``--ignore-class``.

    Args:
        parser (ArgumentParser): The tool's parser.
        classes_help (str): What ``--classes`` are, for this tool.
    """
    parser.add_argument(
        '--classes',
        type=lambda text: tuple(c.strip() for c in text.split(',')),
        default=MTCHI_CLASSES,
        help=f'{classes_help}, in index order, background first, '
        f'comma-separated (default: {",".join(MTCHI_CLASSES)})')
    parser.add_argument(
        '--class-map',
        type=class_map,
        help='annotation names that are not a class: NAME=CLASS,NAME=CLASS '
        'or a JSON file {"NAME": "CLASS"}')
    parser.add_argument(
        '--ignore-class',
        action='append',
        default=[],
        metavar='NAME',
        help='leave out the polygons of this annotation name (repeatable)')
