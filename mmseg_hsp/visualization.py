"""Pictures of predictions on MTCHI test regions, in the paper's palette."""
import os.path as osp
from typing import Mapping, Sequence, Tuple, Union

import cv2
import numpy as np

from .datasets import MTCHI_CLASSES, MTCHI_PALETTE, mtchi_mask_name
from .datasets.mtchi_patches import task2_regions
from .fileio import write_png

GAP = 4
GREY = 128


def _label(width: int, titles: Sequence[str], step: int) -> np.ndarray:
    """A white strip with ``titles`` written ``step`` pixels apart."""
    strip = np.full((24, width, 3), 255, np.uint8)
    for i, title in enumerate(titles):
        cv2.putText(strip, title, (i * step + 4, 17),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    return strip


def _prediction(masks: Union[str, Mapping[str, np.ndarray]],
                name: str) -> np.ndarray:
    """A model's label map of a test region, from its folder or its own
    ``{mask file name: label map}``."""
    if isinstance(masks, str):
        mask = cv2.imread(osp.join(masks, name), cv2.IMREAD_UNCHANGED)
    else:
        mask = masks.get(name)
    if mask is None:
        where = masks if isinstance(masks, str) else 'the summary'
        raise FileNotFoundError(f'no prediction {name} in {where}; predict '
                                'the test regions drawn first')
    return mask


def draw_prediction_grid(data_root: str,
                         predictions: Sequence[Tuple[str, Union[
                             str, Mapping[str, np.ndarray]]]], count: int,
                         out_path: str) -> None:
    """One row per test region: image | truth | each model's prediction.

    Args:
        data_root (str): Task 2 folder; its ``Test`` regions are drawn, in
            name order.
        predictions (list[tuple]): ``(title, masks)`` per model: a folder
            of ``Mask_<name>.png`` label maps
            (``MTCHIMetric(output_dir=...)``), or the same as a dict
            ``{'Mask_<name>.png': label map}``.
        count (int): Test regions drawn (the first ``count``).
        out_path (str): The PNG written.
    """
    palette = np.array(MTCHI_PALETTE, np.uint8)
    rows = []
    for image_path, mask_path in task2_regions(osp.join(data_root,
                                                        'Test'))[:count]:
        name = osp.splitext(osp.basename(image_path))[0]
        image = cv2.cvtColor(cv2.imread(image_path), cv2.COLOR_BGR2RGB)
        panels = [image, palette[cv2.imread(mask_path, cv2.IMREAD_UNCHANGED)]]
        panels += [
            palette[_prediction(masks, mtchi_mask_name(name))]
            for _, masks in predictions
        ]
        gap = np.full((image.shape[0], GAP, 3), GREY, np.uint8)
        row = [panels[0]]
        for panel in panels[1:]:
            row += [gap, panel]
        rows.append(np.hstack(row))
        rows.append(np.full((GAP, rows[-1].shape[1], 3), GREY, np.uint8))
    width = rows[0].shape[1]
    header = _label(width, ['test region', 'truth'] +
                    [title for title, _ in predictions],
                    image.shape[1] + GAP)
    legend = _label(width, [], 100)
    for i, cls in enumerate(MTCHI_CLASSES):
        x = 4 + i * 100
        cv2.rectangle(legend, (x, 6), (x + 12, 18), (GREY, ) * 3, 1)
        legend[7:18, x + 1:x + 12] = palette[i]
        cv2.putText(legend, cls, (x + 16, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                    (0, 0, 0), 1, cv2.LINE_AA)
    write_png(out_path, np.vstack([header, *rows, legend]))
