"""``tools/dataset_converters/slides.py``'s flags: cut a lab's own slides,
annotated in QuPath or ASAP (or with label images), into training patches
(:mod:`mmseg_hsp.datasets.slide_patches`)."""
import argparse
import os
import sys

from .class_names import add_class_name_args
from ..datasets.slide_patches import convert_slides
from ..optional import MissingExtraError
from ..setting_names import spelled_as_flags
from .convert_mtchi import add_patch_args
from .numbers import (bounded_below, level0_magnification, level0_mpp,
                      positive)

PROG = 'convert_slides'


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description='Cut annotated slides (QuPath GeoJSON, ASAP XML or label '
        'images) into MTCHI-layout training patches')
    parser.add_argument(
        'slides',
        nargs='+',
        help='slide files, folders of them or .txt lists, as '
        'tools/infer_wsi.py takes them')
    parser.add_argument(
        'annotations',
        help='folder of one annotation file per slide, named as the slide: '
        '<name>.geojson/.json (QuPath), <name>.xml (ASAP) or '
        '<name>.png/.tif/.tiff (label image of class indices)')
    parser.add_argument(
        '--out-dir',
        required=True,
        help='output folder (a Task 2 data_root); not inside an input folder')
    add_class_name_args(parser, "the config's classes")
    parser.add_argument(
        '--input-mpp',
        type=level0_mpp,
        help='level-0 microns per pixel of the slides (for files without '
        'resolution metadata)')
    parser.add_argument(
        '--input-magnification',
        type=level0_magnification,
        help='level-0 magnification of the slides')
    parser.add_argument(
        '--mask-downsample',
        type=positive(),
        help='level-0 pixels per pixel of the label images (default: the '
        'pyramid level whose size they have)')
    parser.add_argument(
        '--geojson-origin',
        choices=('qupath', 'openslide'),
        default='qupath',
        help='GeoJSON coordinates as QuPath shows the slide (default) or '
        'OpenSlide level 0, as tools/infer_wsi.py --geojson-origin')
    parser.add_argument(
        '--patients',
        help='CSV of slide,patient rows: a patient\'s slides share a fold')
    parser.add_argument(
        '--folds',
        type=bounded_below(2, int, inclusive=True),
        default=4,
        help='folds the slides are dealt into; fold 0 is Test/ (default 4)')
    parser.add_argument(
        '--fold-seed', type=int, default=0, help='seed dealing the folds')
    add_patch_args(parser)
    return parser



def main(argv=None) -> int:
    """Run the tool.

    Args:
        argv (list[str], optional): The flags; ``sys.argv[1:]`` if None.

    Returns:
        int: The exit code: 0 every slide converted, 1 some (the others
        listed), 2 nothing done.
    """
    args = build_parser().parse_args(argv)
    # Messages from the library name settings as this tool's flags.
    with spelled_as_flags():
        return run(args)


def run(args: argparse.Namespace) -> int:
    """:func:`main` past the flags: the exit code."""
    debug = bool(os.environ.get('MMSEG_HSP_DEBUG'))

    def warn(line):
        print(f'{PROG}: {line}', file=sys.stderr)

    try:
        result = convert_slides(
            args.slides,
            args.annotations,
            args.out_dir,
            classes=args.classes,
            class_map=args.class_map,
            ignore=args.ignore_class,
            magnification=args.magnification,
            input_mpp=args.input_mpp,
            input_magnification=args.input_magnification,
            mask_downsample=args.mask_downsample,
            qupath_frame=args.geojson_origin == 'qupath',
            patients=args.patients,
            num_folds=args.folds,
            seed=args.fold_seed,
            patch_size=args.patch_size,
            stride=args.stride,
            min_annotated=args.min_annotated,
            overwrite=args.overwrite,
            progress=not args.no_progress,
            warn=warn)
    except (OSError, ValueError, MissingExtraError) as error:
        if debug:
            raise
        print(f'{PROG}: error: {error}', file=sys.stderr)
        return 2
    done = sum(1 for p in result.patches.values() if p)
    print(f'{done} slides cut into {args.out_dir} '
          f'({sum(map(len, result.patches.values()))} patches, '
          f'{args.folds} folds, fold 0 in Test/)')
    if result.problems:
        warn(f'{len(result.problems)} problems (listed above); the other '
             'slides were converted')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
