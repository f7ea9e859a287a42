"""``tools/dataset_converters/mtchi.py``'s flags: crop MTCHI Task 2 regions
(or whole slides) into training patches
(:mod:`mmseg_hsp.datasets.mtchi_patches`)."""
import argparse
import os.path as osp
import sys
from functools import partial

from ..datasets.mtchi_patches import (OutDirRefused, SlideSource,
                                     check_out_dir, convert_regions,
                                     convert_sources, iter_slide_pairs,
                                     whole_slide_mask, write_cross_validation)
from ..setting_names import spelled_as_flags
from ..slide_io import collect_slides
from .numbers import (bounded_below, fraction, level0_magnification,
                      positive)


def add_patch_args(parser: argparse.ArgumentParser) -> None:
    """The patch flags both converters share (Section 4.1's defaults)."""
    parser.add_argument('--patch-size', type=positive(int), default=400)
    parser.add_argument('--stride', type=positive(int), default=100)
    parser.add_argument(
        '--min-annotated',
        type=fraction,
        default=0.2,
        help='drop patches whose share of label != 0 is below this')
    parser.add_argument(
        '--magnification',
        type=positive(),
        default=10.0,
        help='magnification slides are read at (default 10, as the paper)')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace an output folder the converter wrote before (and '
        'only such a folder)')
    parser.add_argument('--no-progress', action='store_true')


def build_parser() -> argparse.ArgumentParser:
    """The flags; an impossible number exits 2 with argparse's one line."""
    parser = argparse.ArgumentParser(
        description='Crop MTCHI regions or slides into training patches')
    parser.add_argument(
        'root',
        help='Task 2 folder (holding Training/ and Test/); the '
        'output is written below it')
    parser.add_argument(
        '--split',
        default='Training',
        help='split folder whose regions are '
        'cropped (default: Training)')
    parser.add_argument(
        '--out-dir',
        default='TrainingPatches',
        help='output folder, relative to root (default: TrainingPatches)')
    parser.add_argument(
        '--scale',
        type=positive(),
        default=1.0,
        help='resize regions by this factor first (e.g. 0.5: x20 -> x10)')
    parser.add_argument(
        '--folds',
        type=bounded_below(2, int, inclusive=True),
        help='write k-fold cross-validation patches and '
        'split files to <root>/CrossVal (the Test set is fold 0)')
    parser.add_argument(
        '--fold-seed',
        type=int,
        default=0,
        help='seed spreading Training regions over folds 1..k-1')
    parser.add_argument(
        '--slides',
        nargs='+',
        help='whole slides to crop instead of Task 2 regions: files, '
        'folders or .txt lists, as tools/infer_wsi.py takes them')
    parser.add_argument(
        '--slide-masks',
        help='folder of Mask_<slide name>.png/.tif label '
        'maps covering each whole slide')
    parser.add_argument(
        '--base-magnification',
        type=level0_magnification,
        help="slides' level-0 magnification, when their metadata has none")
    add_patch_args(parser)
    return parser


def parse_args(argv=None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def input_folders(args: argparse.Namespace) -> list:
    """The folders the converter reads, which its output must stay out of."""
    if not args.slides:
        return [
            osp.join(args.root, split)
            for split in dict.fromkeys((args.split, 'Training', 'Test'))
        ]
    folders = [args.slide_masks] if args.slide_masks else []
    for entry in args.slides:
        folders.append(entry if osp.isdir(entry) else osp.dirname(
            osp.abspath(entry)))
    return folders + sorted(
        {osp.dirname(osp.abspath(s))
         for s in collect_slides(args.slides)})



def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    # Messages from the library name settings as flags (--out-dir).
    with spelled_as_flags():
        convert(args, parser)


def convert(args: argparse.Namespace,
            parser: argparse.ArgumentParser) -> None:
    """:func:`main` past the flags."""
    crop = dict(
        patch_size=args.patch_size,
        stride=args.stride,
        min_annotated=args.min_annotated,
        progress=not args.no_progress)
    try:
        if args.folds is not None:
            folds = write_cross_validation(args.root, args.folds,
                                           args.fold_seed, args.overwrite,
                                           **crop)
            print(f'{len(folds)} regions in {args.folds} folds: split files '
                  f'in {osp.join(args.root, "CrossVal", "splits")}')
            return
        out_dir = osp.normpath(osp.join(args.root, args.out_dir))
        check_out_dir(out_dir, args.root, input_folders(args))
        if args.slides:
            if not args.slide_masks:
                raise ValueError('--slides needs --slide-masks')
            convert_sources([
                partial(SlideSource, slide, whole_slide_mask(mask),
                        args.magnification,
                        args.base_magnification) for slide, mask in
                iter_slide_pairs(args.slides, args.slide_masks)
            ],
                            out_dir,
                            overwrite=args.overwrite,
                            **crop)
        else:
            convert_regions(
                osp.join(args.root, args.split),
                out_dir,
                args.scale,
                overwrite=args.overwrite,
                **crop)
    except OutDirRefused as e:  # a folder the user chose: a usage error
        parser.error(str(e))
    except (OSError, ValueError) as e:
        sys.exit(f'error: {e}')


if __name__ == '__main__':
    main()
