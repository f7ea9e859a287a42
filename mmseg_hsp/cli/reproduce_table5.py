"""``tools/reproduce_table5.py``'s flags: train HSP-Net and the baselines,
test, tabulate and draw Table 5 (:mod:`mmseg_hsp.experiments.table5`)."""
import argparse
import os
import os.path as osp
import sys

from ..experiments.table5 import (ALL_ROWS, CURVE_POINTS, PRESETS,
                                  reproduce_table5, select_rows)
from ..tiling.precision import choose_amp
from .amp import add_amp_argument
from .errors import stopped_by, terminate_as_interrupt


def build_parser() -> argparse.ArgumentParser:
    """The flags of the Table 5 run."""
    parser = argparse.ArgumentParser(
        description='Train, test and tabulate Table 5 (see '
        'mmseg_hsp/experiments/table5.py)')
    parser.add_argument('--preset', choices=sorted(PRESETS), default='cpu')
    parser.add_argument(
        '--work-dir', help='default: work_dirs/table5_<preset>')
    parser.add_argument('--data-root', help="override the preset's")
    parser.add_argument('--seeds', type=int, nargs='+')
    parser.add_argument(
        '--rows',
        nargs='+',
        choices=[r.key for r in ALL_ROWS],
        help="rows to run (default: the table's own: the paper's eight, or "
        'the ablations and the two rows they are read against)')
    parser.add_argument(
        '--ablations',
        action='store_true',
        help='the ablation table instead of Table 5: HSP-Net R101 CE on '
        "stride-16 and stride-8 encoders and Table 3's DS-Block rows, beside "
        'HSP-Net R101 CE and DeepLab v3+ CE (ablations.md)')
    parser.add_argument(
        '--zoo',
        action='store_true',
        help="add mmseg's zoo FCN-D8, DeepLab v3+ and U-Net as extra rows "
        "(labelled zoo; never in place of the paper's)")
    parser.add_argument(
        '--max-iters',
        type=int,
        help="iterations of the cpu/smoke presets' schedule (the paper's "
        'counts 30 epochs)')
    parser.add_argument(
        '--curve-points',
        type=int,
        default=CURVE_POINTS,
        help='checkpoints saved and tested along each run (every max_iters '
        "// N and the last): the learning curves and whether the order "
        'settled (default: %(default)s)')
    add_amp_argument(
        parser,
        default="the preset's: auto for cpu and smoke, fp32 for paper",
        from_config=False)
    parser.add_argument(
        '--show', type=int, default=4, help='test regions in the picture')
    return parser


def main(argv=None) -> None:
    """Run Table 5; a one-line error for what it cannot do, and one line
    (exit 130, or 143 on SIGTERM) when stopped."""
    parser = build_parser()
    args = parser.parse_args(argv)
    preset = PRESETS[args.preset]
    if args.curve_points < 1:
        parser.error('--curve-points must be 1 or more (1: the final '
                     'checkpoint only)')
    if args.max_iters and not preset.small:
        parser.error('--max-iters is for the cpu and smoke presets; the '
                     "paper's schedule counts epochs (train_cfg.max_epochs)")
    # Absolute: the tools run from the repository root.
    work_dir = osp.abspath(args.work_dir or f'work_dirs/table5_{args.preset}')
    data_root = osp.abspath(args.data_root
                            or preset.data_root.format(work_dir=work_dir))
    table, rows = select_rows(args.rows, args.ablations, args.zoo, preset)
    terminate_as_interrupt()
    try:
        reproduce_table5(args.preset, work_dir, data_root,
                         args.seeds or preset.seeds, table, rows,
                         args.max_iters,
                         choose_amp(args.amp, None, preset.amp), args.show,
                         args.curve_points)
    except KeyboardInterrupt as stop:
        if os.environ.get('MMSEG_HSP_DEBUG'):
            raise
        how, code = stopped_by(stop)
        print(f'{parser.prog}: {how}; finished runs are kept and a stopped '
              'one resumes from its last checkpoint: rerun the same command '
              'to go on', file=sys.stderr)
        raise SystemExit(code)
    except (OSError, ValueError) as error:  # the data, the work dir: exit 2
        parser.error(str(error))
    except RuntimeError as error:  # a run failed (its log is named): exit 1
        raise SystemExit(f'{parser.prog}: error: {error}')


if __name__ == '__main__':
    main()
