"""A run's report: ``slides.csv`` and a self-contained ``report.html``.

One row per slide of the run, from the slides' summaries, with what a
pathologist asks first:

* ``highest_grade``: the highest class (classes are ordered by grade, as
  MTCHI's Normal, CIN1, CIN2, CIN3 are) with at least one region in the
  GeoJSON, i.e. larger than ``--geojson-min-area`` (a few stray pixels do
  not make a grade); ``none`` when no class but background is drawn;
* per class other than background, its area in mm^2 (``<class>_mm2``) and
  its share of the labelled epithelium, all classes but background
  (``<class>_share``);
* ``tissue_mm2``: the area the model labelled (tissue of the tissue mask,
  not pure black); ``mean_confidence`` and ``unsure_share`` (share with
  probability below 0.5) over the labelled epithelium (:mod:`.confidence`);
* ``mpp`` and ``mpp_source`` (``metadata``, ``input_mpp`` or ``nominal``:
  see :mod:`.areas`), ``seconds``, ``warnings`` (the summary's: no tissue
  found, a slide that does not look H&E-stained) and ``error`` for a failed
  slide.

A slide in which no tissue was found has no grade: its ``status`` is
``no tissue`` and its ``highest_grade`` empty, never a clean-looking
``none``. The HTML page shows a missing value as "-" and an area in the
unit that fits its size (µm² below 0.01 mm²).

The HTML page shows, per slide, the overlay thumbnail, the figures and a
bar of the areas per class in the outputs' colours; images and styles are
inlined, so the one file can be mailed or archived.
"""
import base64
import csv
import html
import io
import os.path as osp
from typing import Dict, List, Optional, Sequence

import cv2

from ..fileio import atomic_output, write_text
from .outputs import output_paths

REPORT_FILES = ('slides.csv', 'report.html')
# Width of the thumbnails in the HTML page, in pixels.
THUMBNAIL_WIDTH = 960
SUMMARY_COLUMNS = ('slide', 'status', 'highest_grade', 'tissue_mm2',
                   'mean_confidence', 'unsure_share', 'mpp', 'mpp_source',
                   'seconds', 'warnings', 'error')
# Columns of the HTML table, and how their values are shown there.
HTML_COLUMNS = ('slide', 'status', 'highest_grade', 'tissue_mm2',
                'mean_confidence', 'unsure_share', 'mpp', 'mpp_source',
                'seconds')
# Below this many mm^2, areas are shown in um^2 (0.01 mm^2 = 10,000 um^2).
UM2_BELOW_MM2 = 0.01
STATUS_NO_TISSUE = 'no tissue'


def slide_row(summary: dict) -> dict:
    """The report's figures of one slide.

    Args:
        summary (dict): A slide's summary (``status`` ``'done'`` or
            ``'skipped'``), or ``{'slide', 'status', 'error'}`` of a slide
            that failed or is not finished (``'pending'``).

    Returns:
        dict: The row: see the module docstring.
    """
    row = dict(slide=osp.basename(summary['slide']),
               status=summary['status'],
               warnings='; '.join(summary.get('warnings', ())),
               error=summary.get('error', ''))
    if 'areas' not in summary:
        return row
    names = summary['classes'][1:]
    drawn = summary['geojson_features_per_class']
    epithelium = sum(summary['areas'][name]['pixels'] for name in names)
    tissue = summary.get('tissue_found', summary['analysed_mm2'] > 0)
    row.update(
        status=summary['status'] if tissue else STATUS_NO_TISSUE,
        highest_grade=next(
            (name for name in reversed(names) if drawn.get(name)),
            'none') if tissue else '',
        tissue_mm2=summary['analysed_mm2'],
        mean_confidence=summary['confidence']['mean'],
        unsure_share=summary['confidence']['unsure'],
        mpp=summary['resolution']['mpp'],
        mpp_source=summary['resolution']['source'],
        seconds=summary['seconds']['total'])
    for name in names:
        area = summary['areas'][name]
        row[f'{name}_mm2'] = area['mm2']
        row[f'{name}_share'] = round(area['pixels'] / epithelium,
                                     4) if epithelium else 0.0
    return row


def run_summaries(slides: Sequence[str], out_dir: str,
                  results: Sequence[dict]) -> List[dict]:
    """The summaries of all slides of a run, this process's or on disk.

    Under torchrun each rank runs a share of the slides; a rank's report
    reads the others' finished summaries from the output folder, and lists
    slides still running as ``pending`` (the last rank to finish writes the
    complete report; rerunning the command rewrites it).

    Args:
        slides (Sequence[str]): Every slide of the run.
        out_dir (str): The output folder.
        results (Sequence[dict]): What this process's
            :func:`~mmseg_hsp.wsi.runner.run_slides` returned.

    Returns:
        list[dict]: One summary per slide, in the order of ``slides``.
    """
    import json
    # A slide another process held ('busy') is read from its summary, as
    # one this process never ran.
    mine = {
        result['slide']: result
        for result in results if result['status'] != 'busy'
    }
    summaries = []
    for slide in slides:
        summary = mine.get(slide)
        if summary is None:
            try:
                with open(output_paths(slide, out_dir)['summary']) as f:
                    summary = json.load(f)
            except (OSError, ValueError):
                summary = dict(slide=slide, status='pending')
        summaries.append(summary)
    return summaries


def write_slides_csv(path: str, rows: Sequence[dict]) -> None:
    """Write the rows as CSV, columns in :data:`SUMMARY_COLUMNS` order and
    then the per-class ones (empty where a slide has no value).

    Args:
        path (str): The ``.csv`` file (written atomically).
        rows (Sequence[dict]): From :func:`slide_row`.
    """
    columns = list(SUMMARY_COLUMNS)
    for row in rows:
        columns += [key for key in row if key not in columns]
    with atomic_output(path) as partial, open(partial, 'w',
                                              newline='') as f:
        writer = csv.DictWriter(f, columns, restval='')
        writer.writeheader()
        writer.writerows(rows)


def write_report_html(path: str, summaries: Sequence[dict],
                      rows: Sequence[dict], out_dir: str) -> None:
    """Write the self-contained HTML report.

    Args:
        path (str): The ``.html`` file (written atomically).
        summaries (Sequence[dict]): From :func:`run_summaries`.
        rows (Sequence[dict]): Their :func:`slide_row`.
        out_dir (str): Where the overlays are.
    """
    sections = [
        _slide_section(summary, row, out_dir)
        for summary, row in zip(summaries, rows)
    ]
    table = _html_table(rows, HTML_COLUMNS)
    write_text(path, PAGE.format(count=len(rows), table=table,
                                 width=THUMBNAIL_WIDTH,
                                 sections='\n'.join(sections)))


def write_run_report(slides: Sequence[str], out_dir: str,
                     results: Sequence[dict]) -> Dict[str, str]:
    """Write ``slides.csv`` and ``report.html`` of a run in its folder.

    Args:
        slides (Sequence[str]): Every slide of the run.
        out_dir (str): The output folder.
        results (Sequence[dict]): This process's results.

    Returns:
        dict[str, str]: The paths, by file name.
    """
    summaries = run_summaries(slides, out_dir, results)
    rows = [slide_row(summary) for summary in summaries]
    paths = {name: osp.join(out_dir, name) for name in REPORT_FILES}
    write_slides_csv(paths['slides.csv'], rows)
    write_report_html(paths['report.html'], summaries, rows, out_dir)
    return paths


def _slide_section(summary: dict, row: dict, out_dir: str) -> str:
    """The HTML of one slide: thumbnail, figures, area bar."""
    title = html.escape(row['slide'])
    if 'areas' not in summary:
        return (f'<section><h2>{title}</h2><p class="failed">'
                f'{html.escape(row["status"])}: '
                f'{html.escape(row["error"] or "not finished")}</p>'
                '</section>')
    names = summary['classes'][1:]
    colours = dict(zip(summary['classes'], summary['palette']))
    figures = [('highest grade', row['highest_grade'] or '-'),
               ('tissue analysed', _area(row['tissue_mm2'])),
               ('mean confidence', _number(row['mean_confidence'])),
               ('unsure (p < 0.5)', _percent(row['unsure_share'])),
               ('pixel size', summary['resolution']['description']),
               ('time', f"{row['seconds']} s")]
    figures += [(name, f"{_area(row[f'{name}_mm2'])} "
                 f"({_percent(row[f'{name}_share'])} of epithelium)")
                for name in names]
    items = ''.join(f'<tr><th>{html.escape(key)}</th>'
                    f'<td>{html.escape(str(value))}</td></tr>'
                    for key, value in figures)
    bar = ''.join(
        f'<div style="width:{100 * row[f"{name}_share"]:.2f}%;'
        f'background:{_css(colours[name])}" title="{html.escape(name)} '
        f'{_percent(row[f"{name}_share"])}"></div>' for name in names
        if row[f'{name}_share'] > 0)
    legend = ''.join(
        f'<span><i style="background:{_css(colours[name])}"></i>'
        f'{html.escape(name)}</span>' for name in names)
    nominal = '' if not summary['resolution']['nominal'] else (
        '<p class="note">Areas use the nominal pixel size of the '
        'magnification; pass --input-mpp for exact areas.</p>')
    warnings = ''.join(f'<p class="warning">Warning: {html.escape(line)}'
                       '</p>' for line in summary.get('warnings', ()))
    return (f'<section><h2>{title}</h2>{warnings}'
            f'{_thumbnail(output_paths(summary["slide"], out_dir))}'
            f'<div class="bar">{bar}</div><div class="legend">{legend}</div>'
            f'<table class="figures">{items}</table>{nominal}</section>')


def _thumbnail(paths: Dict[str, str]) -> str:
    """The overlay as an inline PNG ``<img>``, or a note if it is gone."""
    image = cv2.imread(paths['overlay'])
    if image is None:
        return '<p class="note">overlay missing</p>'
    if image.shape[1] > THUMBNAIL_WIDTH:
        height = round(image.shape[0] * THUMBNAIL_WIDTH / image.shape[1])
        image = cv2.resize(image, (THUMBNAIL_WIDTH, height),
                           interpolation=cv2.INTER_AREA)
    encoded = base64.b64encode(cv2.imencode('.png', image)[1]).decode()
    return (f'<img alt="overlay and lesion map" '
            f'src="data:image/png;base64,{encoded}">')


def _html_table(rows: Sequence[dict], columns: Sequence[str]) -> str:
    """The rows' given columns as an HTML table ("-" where a row has no
    value)."""
    out = io.StringIO()
    out.write('<table class="slides"><tr>')
    out.write(''.join(f'<th>{html.escape(c)}</th>' for c in columns))
    for row in rows:
        out.write('</tr><tr>' + ''.join(
            f'<td>{html.escape(_cell(c, row.get(c)))}</td>'
            for c in columns))
    out.write('</tr></table>')
    return out.getvalue()


def _cell(column: str, value) -> str:
    """A value of the HTML table as shown: areas in a unit that fits."""
    if value is None or value == '':
        return '-'
    show = dict(tissue_mm2=_area, mean_confidence=_number,
                unsure_share=_percent).get(column, str)
    return show(value)


def _area(mm2: Optional[float]) -> str:
    """An area in mm², or in µm² below :data:`UM2_BELOW_MM2`."""
    if mm2 is None:
        return '-'
    if 0 < mm2 < UM2_BELOW_MM2:
        return f'{mm2 * 1e6:.4g} µm²'
    return f'{mm2:.4g} mm²'


def _css(rgb: Sequence[int]) -> str:
    return 'rgb({},{},{})'.format(*rgb)


def _number(value: Optional[float]) -> str:
    return '-' if value is None else f'{value:.3f}'


def _percent(value: Optional[float]) -> str:
    return '-' if value is None else f'{100 * value:.1f}%'


PAGE = '''<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Whole-slide lesion report</title>
<style>
body {{ font-family: sans-serif; margin: 24px; color: #222; }}
table {{ border-collapse: collapse; margin: 8px 0; }}
th, td {{ border: 1px solid #ccc; padding: 3px 8px; text-align: left; }}
section {{ border-top: 2px solid #444; margin-top: 24px; }}
img {{ width: 100%; max-width: {width}px; display: block; margin: 8px 0;
  image-rendering: pixelated; }}
.bar {{ display: flex; height: 22px; width: 600px; border: 1px solid #444; }}
.legend span {{ margin-right: 14px; }}
.legend i {{ display: inline-block; width: 12px; height: 12px;
  margin-right: 4px; border: 1px solid #444; }}
.note {{ color: #a60; }} .failed, .warning {{ color: #b00; }}
</style></head><body>
<h1>Whole-slide lesion report</h1>
<p>{count} slide(s). Research use: the model's lesion map, not a
diagnosis.</p>
{table}
{sections}
</body></html>
'''
