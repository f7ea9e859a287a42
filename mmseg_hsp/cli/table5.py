"""``tools/analysis/table5.py``'s flags: Table 5 (and Table 2 for folds)
from runs' work dirs (:mod:`mmseg_hsp.experiments.table5_report`), or a
produced table again from its summary
(:mod:`mmseg_hsp.experiments.table5_analysis`)."""
import argparse
import os
import os.path as osp
from typing import List, Optional, Tuple

from ..experiments.table5_report import markdown, report_tables, to_csv
from ..fileio import write_text


def build_parser() -> argparse.ArgumentParser:
    """The report's flags."""
    parser = argparse.ArgumentParser(
        description="Table 5 (and Table 2 for folds) from runs' work dirs, "
        "or a reproduce_table5 table from its summary")
    parser.add_argument('work_dirs', nargs='*', help='work dirs of runs')
    parser.add_argument(
        '--summary',
        nargs='+',
        help="a reproduce_table5 <table>_summary.json (e.g. "
        "docs/table5/cpu_main.json), or those of a table's parts (--rows) "
        "to merge: write that table again (its summary, Markdown with the "
        'conclusions, CSV and pictures) instead of reading work dirs')
    parser.add_argument(
        '--ablations',
        action='store_true',
        help='with --summary: write the ablation table from parts of both '
        'tables, its reference rows (HSP-Net R101 CE, DeepLab v3+ CE) from '
        "the main table's; rows it does not hold are left out")
    parser.add_argument(
        '--data-root',
        help='with --summary: the Task 2 folder whose test regions the '
        "summary's predictions show (default: its preset's)")
    parser.add_argument(
        '--against',
        metavar='SUMMARY',
        help='with --summary: the same rows trained for another length '
        '(e.g. a --max-iters 800 summary against a 1600 one); also write '
        "which pairs' verdicts and how much each row's mean changed "
        '(<table>_lengths.md)')
    parser.add_argument(
        '--readme',
        metavar='MARKDOWN',
        help='with --summary: also replace, in this file (e.g. README.md), '
        'every generated block it quotes (the table, the conclusions, '
        'what the other length changed) by the new one')
    parser.add_argument(
        '--out-dir',
        default='work_dirs/table5',
        help='where table5.{md,csv} (and crossval.{md,csv}) are written')
    parser.add_argument(
        '--no-paper', action='store_true', help="omit the paper's rows")
    return parser


def load_parts(paths: List[str], table: Optional[str] = None) -> dict:
    """A reproduce_table5 summary, or its parts' merged into ``table``
    (:func:`~mmseg_hsp.experiments.table5.merge_parts`)."""
    from ..experiments.table5 import merge_parts
    from ..experiments.table5_analysis import load_summary
    return merge_parts([load_summary(path) for path in paths], table)


def default_data_root(summary: dict) -> Optional[str]:
    """The Task 2 folder of the summary's preset (None for another, or
    one written under the runner's work dir: the smoke preset's)."""
    from ..experiments.table5 import PRESETS
    preset = PRESETS.get(summary['preset'])
    if preset is None or '{work_dir}' in preset.data_root:
        return None
    return preset.data_root


def summary_tables(summary: dict, against: Optional[str] = None) -> dict:
    """``{name: (markdown, csv)}`` of a reproduce_table5 summary, and
    ``<table>_lengths`` (no CSV) when compared with another length's."""
    from ..experiments import table5_analysis as analysis
    tables = {
        summary['table']:
        analysis.table_markdown(summary, analysis.row_means(summary))
    }
    if against:
        other = analysis.load_summary(against)
        short, long = sorted((other, summary), key=lambda s: s['max_iters'])
        tables[f'{summary["table"]}_lengths'] = (analysis.lengths_block(
            short, long), None)
    return tables


def quote_readme(path: str, tables: dict) -> Tuple[str, List[str]]:
    """The Markdown file at ``path`` with the blocks it quotes from
    ``tables`` replaced (:func:`table5_analysis.quote_blocks`).

    Raises:
        ValueError: The file quotes none of the tables' blocks (a README
            that would be left as it was).
    """
    from ..experiments.table5_analysis import quote_blocks
    with open(path, encoding='utf-8') as f:
        text = f.read()
    text, replaced = quote_blocks(
        text, '\n'.join(markdown for markdown, _ in tables.values()))
    if not replaced:
        raise ValueError(
            f'{path} quotes none of the generated blocks (markers such as '
            f'<!-- table5-conclusions:main -->); give the README that does, '
            'or paste a block from the written Markdown first')
    return text, replaced


def main(argv=None) -> None:
    """Write the tables; a one-line error for unreadable runs."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if bool(args.work_dirs) == bool(args.summary):
        parser.error('give work dirs of runs or --summary, one of the two')
    for flag in ('ablations', 'against', 'readme'):
        if getattr(args, flag) and not args.summary:
            parser.error(f'--{flag} goes with --summary; give both')
    try:
        if args.summary:
            summary = load_parts(args.summary,
                                 'ablations' if args.ablations else None)
            tables = summary_tables(summary, args.against)
            data_root = args.data_root or default_data_root(summary)
        else:
            tables = {
                name: (markdown(*table), to_csv(*table))
                for name, table in report_tables(args.work_dirs,
                                                 not args.no_paper).items()
            }
        if args.readme:
            quoted = quote_readme(args.readme, tables)
        written = []
        if args.summary:
            from ..experiments.table5 import write_table
            text, written = write_table(summary, args.out_dir, data_root)
            print(text)
            tables.pop(summary['table'])
    except (OSError, ValueError, KeyError) as e:
        parser.error(str(e))
    os.makedirs(args.out_dir, exist_ok=True)
    for name, (text, csv_text) in tables.items():
        print(text)
        written.append(f'{name}.md')
        write_text(osp.join(args.out_dir, f'{name}.md'), text)
        if csv_text is not None:
            written.append(f'{name}.csv')
            write_text(osp.join(args.out_dir, f'{name}.csv'), csv_text)
    print(f'written to {args.out_dir}: ' + ', '.join(written))
    if args.summary and f'{summary["table"]}_predictions.png' not in written:
        print('no predictions picture: the summary carries no predicted '
              'test regions (written before summaries kept them)')
    if args.readme:
        write_text(args.readme, quoted[0])
        print(f'{args.readme}: replaced ' + ', '.join(quoted[1]))


if __name__ == '__main__':
    main()
