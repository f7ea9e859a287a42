"""``tools/analysis/table5.py``'s flags: Table 5 (and Table 2 for folds)
from runs' work dirs (:mod:`mmseg_hsp.experiments.table5_report`)."""
import argparse
import os
import os.path as osp

from ..experiments.table5_report import markdown, report_tables, to_csv
from ..fileio import write_text


def build_parser() -> argparse.ArgumentParser:
    """The report's flags."""
    parser = argparse.ArgumentParser(
        description="Table 5 (and Table 2 for folds) from runs' work dirs")
    parser.add_argument('work_dirs', nargs='+', help='work dirs of runs')
    parser.add_argument(
        '--out-dir',
        default='work_dirs/table5',
        help='where table5.{md,csv} (and crossval.{md,csv}) are written')
    parser.add_argument(
        '--no-paper', action='store_true', help="omit the paper's rows")
    return parser


def main(argv=None) -> None:
    """Write the tables; a one-line error for unreadable runs."""
    args = build_parser().parse_args(argv)
    try:
        tables = report_tables(args.work_dirs, not args.no_paper)
    except (OSError, ValueError, KeyError) as e:
        raise SystemExit(f'error: {e}')
    os.makedirs(args.out_dir, exist_ok=True)
    for name, (header, lines) in tables.items():
        text = markdown(header, lines)
        print(text)
        write_text(osp.join(args.out_dir, f'{name}.md'), text)
        write_text(
            osp.join(args.out_dir, f'{name}.csv'), to_csv(header, lines))
    print(f'written to {args.out_dir}: ' + ', '.join(f'{n}.md, {n}.csv'
                                                     for n in tables))


if __name__ == '__main__':
    main()
