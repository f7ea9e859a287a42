"""``tools/analysis/evaluate_slides.py``: slide predictions against a
pathologist's annotations (:mod:`mmseg_hsp.evaluation.slide_pairs`).

Exit code 0 when every slide was compared, 2 for an input that cannot be
(one line naming it and the fix; ``MMSEG_HSP_DEBUG=1`` shows the
traceback).
"""
import argparse
import os
import sys

from .class_names import add_class_name_args
from ..evaluation.slide_pairs import (EvaluationSettings, evaluate_slides,
                                      slide_files)
from ..evaluation.slides import MIN_GRADE_AREA_UM2, write_outputs
from ..setting_names import spelled_as_flags
from ..slide_io import SLIDE_EXTENSIONS, SlideError
from .numbers import (level0_magnification, level0_mpp, non_negative,
                      positive)


def build_parser() -> argparse.ArgumentParser:
    """The tool's flags."""
    parser = argparse.ArgumentParser(
        description='Dice, IoU, areas and highest grade of slide '
        'predictions against annotations')
    parser.add_argument(
        'pred',
        help="tools/infer_wsi.py's --out-dir (its NAME.labels.tif), or "
        'annotations (a GeoJSON/ASAP XML file or folder) of another reader')
    parser.add_argument(
        'truth', help='annotations: a QuPath GeoJSON or ASAP XML file, or '
        'a folder of NAME.geojson / NAME.xml')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument(
        '--slides',
        help='the slides (file or folder), for annotations against '
        'annotations: the raster is the one infer_wsi would label; without '
        'it, the annotations\' extent')
    resolution = parser.add_mutually_exclusive_group()
    resolution.add_argument('--magnification', type=positive(),
                            default=10.0,
                            help='analysis magnification of annotations '
                            'against annotations (default: 10)')
    resolution.add_argument('--mpp', type=positive(),
                            help='analysis microns per pixel instead')
    parser.add_argument('--input-mpp', type=level0_mpp,
                        help='level-0 microns per pixel of the slides')
    parser.add_argument('--input-magnification', type=level0_magnification,
                        help='level-0 magnification of the slides')
    add_class_name_args(parser, 'classes of annotation predictions')
    parser.add_argument(
        '--min-area-um2', type=non_negative(), default=MIN_GRADE_AREA_UM2,
        help='area a class needs in a slide\'s annotated area to be its '
        f'highest grade (default: {MIN_GRADE_AREA_UM2:g}, about ten cells)')
    parser.add_argument(
        '--skip-unmatched', action='store_true',
        help='evaluate the slides that have both sides, leaving the others '
        'out with a note (default: refuse)')
    return parser


def main(argv=None) -> int:
    """Run the tool; the exit code (0 done, 2 an input error)."""
    args = build_parser().parse_args(argv)
    # Messages from the library name settings as this tool's flags.
    with spelled_as_flags():
        return run(args)


def run(args: argparse.Namespace) -> int:
    """:func:`main` past the flags: the exit code."""
    try:
        settings = EvaluationSettings(
            classes=args.classes,
            class_map=args.class_map,
            ignore=args.ignore_class,
            resolution=dict(
                magnification=None if args.mpp else args.magnification,
                mpp=args.mpp,
                input_mpp=args.input_mpp,
                input_magnification=args.input_magnification),
            slides=slide_files(args.slides, SLIDE_EXTENSIONS)
            if args.slides else {},
            min_area_um2=args.min_area_um2,
            skip_unmatched=args.skip_unmatched)
        result = evaluate_slides(
            args.pred, args.truth, settings,
            warn=lambda line: print(f'evaluate_slides: {line}',
                                    file=sys.stderr))
        paths = write_outputs(result, args.out)
    except (OSError, ValueError, SlideError) as error:
        if os.environ.get('MMSEG_HSP_DEBUG'):
            raise
        print(f'evaluate_slides: error: {" ".join(str(error).split())}',
              file=sys.stderr)
        return 2
    pooled = result.summary()['pooled']
    print(f'{len(result.slides)} slides; pooled mean Dice '
          f'{_number(pooled["mean_dice"])}, mean IoU '
          f'{_number(pooled["mean_iou"])}; written: '
          f'{", ".join(paths.values())}')
    return 0


def _number(value) -> str:
    return '-' if value is None else f'{value:.4f}'


if __name__ == '__main__':
    sys.exit(main())
