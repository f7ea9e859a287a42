"""``tools/misc/gpu_check_wsi.py``'s flags: the whole-slide part of
``tools/gpu_check.sh`` (:mod:`mmseg_hsp.benchmarks.gpu_check`)."""
import argparse

from ..benchmarks.gpu_check import gpu_check_wsi
from ..tiling.precision import choose_amp
from .amp import add_amp_argument


def build_parser() -> argparse.ArgumentParser:
    """The check's flags."""
    parser = argparse.ArgumentParser(
        description='The whole-slide part of tools/gpu_check.sh: tiles/s on '
        'a GPU, and its use')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--dry-run',
                        action='store_true',
                        help='CPU, toy sizes, no nvidia-smi (for CI)')
    parser.add_argument('--bare-seconds',
                        type=float,
                        default=20,
                        help='time spent measuring the bare forward')
    add_amp_argument(parser, default='auto', from_config=False)
    return parser


def main(argv=None) -> None:
    """Run the check; one line of results."""
    args = build_parser().parse_args(argv)
    try:
        result = gpu_check_wsi(args.out, args.dry_run, args.bare_seconds,
                               choose_amp(args.amp, None, 'auto'))
    except RuntimeError as error:
        raise SystemExit(f'gpu_check_wsi: {error}')
    rates = result['tiles_per_second']
    ours, bare = rates['infer_wsi'], rates['bare_forward']
    print(f"gpu_check_wsi: {result['device']}: infer_wsi {ours:.1f} tiles/s, "
          f'bare forward {bare:.1f} tiles/s ({100 * ours / bare:.0f}%); '
          f'{args.out}/wsi.json')


if __name__ == '__main__':
    main()
