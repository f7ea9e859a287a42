"""A lab's own annotated slides cut into MTCHI-layout training patches.

Each slide is paired, by file name without extension, with one file of an
annotation folder: a QuPath GeoJSON export or an ASAP XML file
(:mod:`mmseg_hsp.annotations`, polygons drawn window by window), or a label
image of the slide (class indices, at a pyramid level's size or a stated
downsample). The patches are cut by the MTCHI converter's slide route
(:class:`~.mtchi_patches.SlideSource`, :func:`~.mtchi_patches.crop_all`):
x10, 400 px, stride 100, at least 20 % annotated. Unannotated pixels are
class 0, background, as in MTCHI's masks.

The output is a Task 2 folder that the shipped configs train on with only
``data_root`` changed::

    OUT/TrainingPatches/{Img,Truth}   patches of folds 1..k-1 (training)
    OUT/Test/{Img,Truth}              patches of fold 0 (validation, test)
    OUT/CrossVal/Patches/{Img,Truth}  every patch (the files; the two above
                                      are hard links to them)
    OUT/CrossVal/Regions -> Patches   what tools/misc/crossval_train.sh
                                      evaluates each fold on
    OUT/CrossVal/splits/              fold<k>_{train,test}.txt, folds.json

Slides are dealt into folds whole, and all the slides of a patient into the
same fold (``patients``), so no patient is in training and test at once.
"""
import csv
import os
import os.path as osp
import random
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ..annotations import AnnotationSet, class_mapping, read_annotations
from ..slide_io import collect_slides
from .mtchi import MTCHI_CLASSES, mtchi_mask_name
from .mtchi_patches import (SlideSource, check_out_dir, converter_folder,
                            crop_all, link_or_copy, write_splits)
from .slide_labels import annotation_labels, level_mask

ANNOTATION_EXTENSIONS = ('.geojson', '.json', '.xml')
MASK_EXTENSIONS = ('.png', '.tif', '.tiff')


@dataclass
class SlidePairs:
    """Slides paired with annotation files by name, and what is unpaired.

    Args:
        pairs (list[tuple[str, str]]): ``(slide, annotation file)``.
        lines (list[str]): One line per slide without a file, file without
            a slide, or slide with several files.
    """
    pairs: List[Tuple[str, str]] = field(default_factory=list)
    lines: List[str] = field(default_factory=list)


def pair_annotations(slides: Sequence[str], folder: str) -> SlidePairs:
    """Pair each slide with ``<folder>/<slide name>.<ext>``.

    Args:
        slides (Sequence[str]): Slide paths.
        folder (str): Annotation folder: ``.geojson``/``.json``/``.xml``
            files and label images (``.png``/``.tif``/``.tiff``).

    Returns:
        SlidePairs: The pairs, sorted by slide, and the unpaired.

    Raises:
        FileNotFoundError: If the folder does not exist.
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'{folder}: annotation folder not found')
    slide_paths = {osp.realpath(s) for s in slides}
    files = {}
    for entry in sorted(os.listdir(folder)):
        path = osp.join(folder, entry)
        stem, ext = osp.splitext(entry)
        if entry.startswith('.') or not osp.isfile(path) or \
                ext.lower() not in ANNOTATION_EXTENSIONS + MASK_EXTENSIONS \
                or osp.realpath(path) in slide_paths:
            continue
        files.setdefault(stem, []).append(path)
    result = SlidePairs()
    for slide in slides:
        stem = osp.splitext(osp.basename(slide))[0]
        found = files.pop(stem, [])
        if not found:
            result.lines.append(f'{slide}: no annotation file {stem}.'
                                '{geojson,json,xml,png,tif,tiff} in '
                                f'{folder}; slide skipped')
        elif len(found) > 1:
            result.lines.append(f'{slide}: several annotation files '
                                f'({", ".join(map(osp.basename, found))}); '
                                'keep one; slide skipped')
        else:
            result.pairs.append((slide, found[0]))
    for stem, paths in sorted(files.items()):
        result.lines += [
            f'{path}: no slide named {stem}; file not used' for path in paths
        ]
    return result


def read_patients(path: str, slides: Sequence[str]) -> Dict[str, str]:
    """``--patients``: a CSV of ``slide,patient`` rows (header optional).

    Args:
        path (str): The CSV; slides are named by file name, with or without
            extension.
        slides (Sequence[str]): Slide paths; each must have a patient.

    Returns:
        dict[str, str]: Patient of each slide path.

    Raises:
        ValueError: One line, for a malformed row or slides without one.
    """
    patient_of = {}
    with open(path, newline='') as f:
        for number, row in enumerate(csv.reader(f), 1):
            row = [cell.strip() for cell in row]
            if not any(row) or (number == 1 and [c.lower() for c in row]
                                == ['slide', 'patient']):
                continue
            if len(row) != 2 or not all(row):
                raise ValueError(f'{path}:{number}: expected slide,patient; '
                                 f'got {",".join(row)!r}')
            patient_of[osp.splitext(osp.basename(row[0]))[0]] = row[1]
    missing = [
        s for s in slides
        if osp.splitext(osp.basename(s))[0] not in patient_of
    ]
    if missing:
        raise ValueError(f'{path}: no patient for {len(missing)} slides, e.g. '
                         f'{", ".join(map(osp.basename, missing[:3]))}; add '
                         'a slide,patient row for each')
    return {
        s: patient_of[osp.splitext(osp.basename(s))[0]]
        for s in slides
    }


def group_folds(groups: Mapping[str, str], num_folds: int,
                seed: int) -> Dict[str, int]:
    """Deal groups (patients) into folds, every slide of a group together.

    Args:
        groups (Mapping[str, str]): Group of each slide name.
        num_folds (int): Folds, at least 2.
        seed (int): Shuffling seed of the groups.

    Returns:
        dict[str, int]: Fold of each slide name.

    Raises:
        ValueError: If there are fewer groups than folds.
    """
    patients = sorted(set(groups.values()))
    if len(patients) < num_folds:
        raise ValueError(
            f'{len(patients)} patients (or slides) for --folds {num_folds}: '
            f'each fold needs one; give --folds {max(len(patients), 2)} or '
            'more slides')
    random.Random(seed).shuffle(patients)
    fold_of = {p: i % num_folds for i, p in enumerate(patients)}
    return {name: fold_of[group] for name, group in groups.items()}


@dataclass
class SlideConversion:
    """What :func:`convert_slides` did.

    Args:
        folds (dict[str, int]): Fold of each slide name.
        patches (dict[str, list[str]]): Patches per converted slide.
        problems (list[str]): One line per thing not done.
    """
    folds: Dict[str, int]
    patches: Dict[str, List[str]]
    problems: List[str]


def input_folders(paths: Sequence[str]) -> List[str]:
    """The folders of the inputs: a folder itself, a file's folder."""
    return [p if osp.isdir(p) else osp.dirname(osp.abspath(p)) for p in paths]


def read_annotation_files(
    pairs: Sequence[Tuple[str, str]], problem: Callable[[str], None],
    warn: Callable[[str], None]
) -> Tuple[Dict[str, Tuple[str, Optional[AnnotationSet]]], Counter]:
    """Read every paired annotation file (label images are read later, with
    their slide).

    Args:
        pairs (Sequence[tuple[str, str]]): ``(slide, file)``.
        problem (Callable[[str], None]): Told each file that cannot be used
            (its slide is skipped).
        warn (Callable[[str], None]): Told what reading repaired or skipped.

    Returns:
        tuple[dict, Counter]: ``slide -> (file, AnnotationSet or None for a
        label image)``, and the polygons per class name over all files.
    """
    read, names = {}, Counter()
    for slide, path in pairs:
        if osp.splitext(path)[1].lower() in MASK_EXTENSIONS:
            read[slide] = (path, None)
            continue
        try:
            annotations = read_annotations(path)
        except (OSError, ValueError) as error:
            problem(f'{error}; slide skipped')
            continue
        _say_read(path, annotations, warn)
        if not annotations.polygons:
            problem(f'{path}: no annotation polygon; slide skipped')
            continue
        read[slide] = (path, annotations)
        names.update(p.name for p in annotations.polygons)
    return read, names


def convert_slides(slides: Sequence[str],
                   annotations: str,
                   out_dir: str,
                   classes: Sequence[str] = MTCHI_CLASSES,
                   class_map: Optional[Mapping[str, str]] = None,
                   ignore: Sequence[str] = (),
                   magnification: float = 10.0,
                   input_mpp: Optional[float] = None,
                   input_magnification: Optional[float] = None,
                   mask_downsample: Optional[float] = None,
                   qupath_frame: bool = True,
                   patients: Optional[str] = None,
                   num_folds: int = 4,
                   seed: int = 0,
                   patch_size: int = 400,
                   stride: int = 100,
                   min_annotated: float = 0.2,
                   overwrite: bool = False,
                   progress: bool = True,
                   warn: Callable[[str], None] = print) -> SlideConversion:
    """Cut annotated slides into the patch layout of the module docstring.

    Args:
        slides (Sequence[str]): Slide files, folders or list files
            (:func:`~mmseg_hsp.slide_io.collect_slides`).
        annotations (str): Folder of one annotation file per slide.
        out_dir (str): Output folder, written atomically; never inside an
            input folder.
        classes (Sequence[str]): The config's classes. Defaults to MTCHI's.
        class_map (Mapping[str, str], optional): Annotation name -> class.
        ignore (Sequence[str]): Annotation names left out.
        magnification (float): Target magnification. Defaults to 10.
        input_mpp (float, optional): Slides' level-0 microns per pixel.
        input_magnification (float, optional): Slides' level-0
            magnification.
        mask_downsample (float, optional): Label images' downsample.
        qupath_frame (bool): GeoJSON coordinates are in QuPath's frame.
        patients (str, optional): CSV of ``slide,patient``.
        num_folds (int): Folds; fold 0 is the test set. Defaults to 4.
        seed (int): Fold shuffling seed. Defaults to 0.
        patch_size (int): Patch side. Defaults to 400.
        stride (int): Window step. Defaults to 100.
        min_annotated (float): Minimum annotated share. Defaults to 0.2.
        overwrite (bool): Replace an existing ``out_dir``.
        progress (bool): Show a progress bar.
        warn (Callable[[str], None]): Told each line about bad input.

    Returns:
        SlideConversion: Folds, patches, and the lines of what was not done.

    Raises:
        ValueError: One line, when nothing can be done: unknown class
            names, no slide with a usable annotation file, no patch kept.
        FileNotFoundError: A missing input.
    """
    # Never into or over the inputs (the MTCHI converter's rule): the
    # folders given, then those of the slides they and list files name.
    check_out_dir(out_dir, None,
                  [p for p in slides if osp.isdir(p)] + [annotations])
    problems = []

    def problem(line: str) -> None:
        problems.append(line)
        warn(line)

    slide_paths = collect_slides(slides, warn=warn)
    check_out_dir(out_dir, None, input_folders(slide_paths))
    paired = pair_annotations(slide_paths, annotations)
    for line in paired.lines:
        problem(line)
    read, names = read_annotation_files(paired.pairs, problem, warn)
    if not read:
        raise ValueError(f'no slide with a usable annotation file in '
                         f'{annotations}; nothing converted')
    class_index = class_mapping(names, classes, class_map, ignore)
    left_out = {n: c for n, c in names.items() if n not in class_index}
    if left_out:
        warn('left out (--ignore-class): ' + ', '.join(
            f'{n!r} ({c} polygons)' for n, c in sorted(left_out.items())))
    groups = read_patients(patients, list(read)) if patients else {
        s: _name(s)
        for s in read
    }
    folds = group_folds({_name(s): g
                         for s, g in groups.items()}, num_folds, seed)

    def source(slide, labels):
        return SlideSource(slide, labels, magnification, input_magnification,
                           input_mpp,
                           '--input-mpp or --input-magnification')

    sources = []
    for slide, (path, polygons) in read.items():
        if polygons is None:
            labels = partial(level_mask, path, mask_downsample, len(classes))
        else:
            labels = partial(annotation_labels, polygons, class_index,
                             qupath_frame, warn, path)
        sources.append(partial(source, slide, labels))
    with converter_folder(out_dir, overwrite) as tmp:
        cross = osp.join(tmp, 'CrossVal')
        patches = crop_all(
            sources,
            osp.join(cross, 'Patches'),
            patch_size,
            stride,
            min_annotated,
            progress,
            on_error=lambda e: problem(f'{e}; slide skipped'))
        os.symlink('Patches', osp.join(cross, 'Regions'))
        for split, in_split in (('TrainingPatches', lambda f: f != 0),
                                ('Test', lambda f: f == 0)):
            _link_patches(
                osp.join(cross, 'Patches'), osp.join(tmp, split), [
                    p for n, f in sorted(folds.items()) if in_split(f)
                    for p in patches.get(n, ())
                ])
        write_splits(
            osp.join(cross, 'splits'), folds, patches, lambda k: [
                p for n, f in sorted(folds.items()) if f == k
                for p in patches.get(n, ())
            ],
            dict(
                seed=seed,
                num_folds=num_folds,
                folds=folds,
                patients={_name(s): g
                          for s, g in groups.items()} if patients else None))
    empty = sorted({f for f in range(num_folds)} - {
        folds[n] for n, p in patches.items() if p
    })
    if empty:
        problem(f'folds {", ".join(map(str, empty))} have no patch (fold 0 '
                'is Test/): add annotated slides or lower --folds')
    return SlideConversion(folds, patches, problems)


def _name(path: str) -> str:
    return osp.splitext(osp.basename(path))[0]


def _say_read(path: str, annotations: AnnotationSet,
              warn: Callable[[str], None]) -> None:
    """One line for what reading a file repaired or left out."""
    said = []
    if annotations.repaired:
        said.append(f'{annotations.repaired} invalid (self-intersecting) '
                    'polygons repaired')
    if annotations.skipped:
        said.append('skipped ' + ', '.join(
            f'{c} {kind}' for kind, c in sorted(annotations.skipped.items())))
    if said:
        warn(f'{path}: ' + '; '.join(said))


def _link_patches(src: str, dst: str, names: Sequence[str]) -> None:
    """Hard-link the named patches of ``src/{Img,Truth}`` into ``dst``."""
    for sub in ('Img', 'Truth'):
        os.makedirs(osp.join(dst, sub))
    for name in names:
        for sub, file in (('Img', name + '.png'),
                          ('Truth', mtchi_mask_name(name))):
            link_or_copy(osp.join(src, sub, file), osp.join(dst, sub, file))
