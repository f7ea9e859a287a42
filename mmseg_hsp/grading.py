"""Grading terminologies: the three CIN grades and the two-tier one.

Cervical squamous precancer is graded CIN1, CIN2, CIN3 (MTCHI, the paper)
or, since the Lower Anogenital Squamous Terminology (LAST, Darragh et al.
2012), in two tiers: CIN1 is a low-grade squamous intraepithelial lesion
(LSIL), CIN2 and CIN3 are high-grade (HSIL). MTCHI's official NLH-mIoU groups
the labels the same way. A three-grade model's output is expressed in two
tiers by a lookup table on its labels (:func:`two_tier_labels`), which the
two-tier dataset (training labels), :class:`~mmseg_hsp.evaluation.MTCHIMetric`
(NLH groups) and the slide pipeline (``two_tier`` outputs) share.
"""
from typing import List, Sequence, Tuple

# Grade -> tier; the other classes (background, normal) keep their names.
TWO_TIER = {'CIN1': 'LSIL', 'CIN2': 'HSIL', 'CIN3': 'HSIL'}


def two_tier_labels(names: Sequence[str]) -> Tuple[List[str], List[int]]:
    """The two-tier classes of a three-grade label set, and its lookup table.

    Tiers keep the order of their first grade, so classes ordered by grade
    stay ordered: ``(background, normal, CIN1, CIN2, CIN3)`` gives
    ``[background, normal, LSIL, HSIL]`` and ``[0, 1, 2, 3, 3]``.

    Args:
        names (Sequence[str]): Class names of the labels, with ``CIN1``,
            ``CIN2`` and ``CIN3``.

    Returns:
        tuple[list[str], list[int]]: The tier names, and per label its tier
        label.

    Raises:
        ValueError: If a grade is missing (one line naming the classes).
    """
    missing = [grade for grade in TWO_TIER if grade not in names]
    if missing:
        raise ValueError(
            f'two tiers (LSIL = CIN1, HSIL = CIN2 + CIN3) need the classes '
            f'{", ".join(TWO_TIER)}; the model\'s classes are '
            f'{", ".join(names)}: run it without two tiers')
    tiers: List[str] = []
    table = []
    for name in names:
        tier = TWO_TIER.get(name, name)
        if tier not in tiers:
            tiers.append(tier)
        table.append(tiers.index(tier))
    return tiers, table


def tier_palette(palette: Sequence[Sequence[int]],
                 table: Sequence[int]) -> List[List[int]]:
    """Each tier in the colour of its highest grade (HSIL in CIN3's).

    Args:
        palette (Sequence[Sequence[int]]): RGB of each label.
        table (Sequence[int]): Tier of each label (:func:`two_tier_labels`).

    Returns:
        list[list[int]]: RGB of each tier.
    """
    return [
        list(palette[max(i for i, tier in enumerate(table) if tier == t)])
        for t in range(max(table) + 1)
    ]
