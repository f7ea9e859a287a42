"""``python -m mmseg_hsp.cli.table5_eval``: every test of one Table 5 run
in one process (:func:`mmseg_hsp.experiments.table5.evaluate_run`): the
learning curve's checkpoints in 'x', the final one in both protocols.

Started by :mod:`mmseg_hsp.experiments.table5` for each run, so that torch
and mmseg start once a run for its tests, not once a test.
"""
import argparse

from ..experiments.table5 import evaluate_run
from .errors import exit_on_error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Test a Table 5 run's curve checkpoints ('x') and its "
        'final checkpoint (both protocols); write <run_dir>/results.json')
    parser.add_argument('config', help="the run's config file")
    parser.add_argument('run_dir', help='its work dir, with the checkpoints')
    parser.add_argument(
        '--points',
        type=int,
        nargs='+',
        required=True,
        help='iterations (epochs) of the checkpoints, the last the final')
    parser.add_argument(
        '--test-dir', required=True, help='the Task 2 test split folder')
    return parser


def main(argv=None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    with exit_on_error(parser):
        evaluate_run(args.config, args.run_dir, args.points, args.test_dir)


if __name__ == '__main__':
    main()
