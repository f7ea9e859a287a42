"""Stain augmentation and normalisation as mmseg pipeline transforms.

Both read and write ``results['img']`` in mmcv's BGR order (what
``LoadImageFromFile`` gives) and leave every other key, labels included,
untouched. The maths they call (scikit-image, torchstain) is imported
when they run, not when ``import mmseg_hsp`` registers them.
"""
from typing import Optional, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomHEDJitter(BaseTransform):
    """Random H&E re-staining in HED space (Tellez et al., 2018).

    The image is unmixed into hematoxylin, eosin and DAB (residual)
    concentrations (optical density units, :mod:`mmseg_hsp.stain.hed`);
    each channel ``c`` becomes ``alpha * c + beta`` with
    ``alpha ~ U(1 - scale, 1 + scale)`` and ``beta ~ U(-shift, shift)``
    drawn per channel and image, then re-mixed into RGB, optionally with
    perturbed stain vectors. Pure-black pixels stay black. The drawn
    values are recorded in ``results['hed_jitter']``.

    Usage: ``dict(type='RandomHEDJitter')`` in a train pipeline, after
    loading.

    Args:
        scale (float): Largest relative change of a concentration.
            Defaults to 0.3: a strong setting, as stains differ between
            labs by more than that (docs/stain.md).
        shift (float): Largest optical density added to a concentration.
            Defaults to 0.05.
        stain_vector_jitter (float): Largest relative change of each RGB
            component of each stain vector (a change of the dyes' hue).
            Defaults to 0 (the vectors stay Ruifrok & Johnston's).
        prob (float): Probability of re-staining an image. Defaults to 1.
    """

    def __init__(self,
                 scale: float = 0.3,
                 shift: float = 0.05,
                 stain_vector_jitter: float = 0.0,
                 prob: float = 1.0):
        for name, value, high in (('scale', scale, 1),
                                  ('shift', shift, np.inf),
                                  ('stain_vector_jitter', stain_vector_jitter,
                                   1), ('prob', prob, 1)):
            if not 0 <= value <= high:
                raise ValueError(f'RandomHEDJitter {name} must be in '
                                 f'[0, {high}], got {value}')
        self.scale = scale
        self.shift = shift
        self.stain_vector_jitter = stain_vector_jitter
        self.prob = prob

    def transform(self, results: dict) -> dict:
        from .hed import jitter_hed, perturb_stain_vectors
        if np.random.rand() >= self.prob:
            return results
        rng = np.random.default_rng(np.random.randint(2**31))
        scale = rng.uniform(1 - self.scale, 1 + self.scale, 3)
        shift = rng.uniform(-self.shift, self.shift, 3)
        vectors = (
            perturb_stain_vectors(rng, self.stain_vector_jitter)
            if self.stain_vector_jitter else None)
        rgb = np.ascontiguousarray(results['img'][..., ::-1])
        results['img'] = np.ascontiguousarray(
            jitter_hed(rgb, scale, shift, vectors)[..., ::-1])
        results['hed_jitter'] = dict(
            scale=scale.tolist(), shift=shift.tolist())
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, '
                f'shift={self.shift}, '
                f'stain_vector_jitter={self.stain_vector_jitter}, '
                f'prob={self.prob})')


@TRANSFORMS.register_module()
class StainNormalize(BaseTransform):
    """Macenko stain normalisation of each image to a reference stain.

    Each image's own stain is estimated on its non-black pixels and mapped
    to the reference (:class:`MacenkoNormalizer`); the parameters used go
    to ``results['stain_params']``. For a whole slide, estimate once per
    slide with :class:`MacenkoNormalizer` instead, so tiles agree. An image
    with too little stained tissue to estimate from is left as it is
    (``stain_params`` None): there is nothing to normalise.

    Usage: ``dict(type='StainNormalize', reference=...)`` in a test
    pipeline, after loading.

    Args:
        reference (dict | str, optional): The target stain, as
            ``MacenkoNormalizer.estimate`` returns it (stored statistics),
            a JSON file holding that dict, or a reference image to
            estimate it from. Defaults to Macenko et al.'s reference.
        **kwargs: Other arguments of :class:`MacenkoNormalizer`.
    """

    def __init__(self, reference: Union[dict, str, None] = None, **kwargs):
        from .macenko import MacenkoNormalizer, load_reference
        self.normalizer = MacenkoNormalizer(
            load_reference(reference, **kwargs), **kwargs)

    def transform(self, results: dict) -> Optional[dict]:
        from .macenko import StainEstimationError
        rgb = np.ascontiguousarray(results['img'][..., ::-1])
        try:
            params = self.normalizer.fit(rgb)
        except StainEstimationError:  # too little tissue to normalise
            results['stain_params'] = None
            return results
        results['img'] = np.ascontiguousarray(
            self.normalizer.apply(rgb)[..., ::-1])
        results['stain_params'] = params
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(reference='
                f'{self.normalizer.reference})')
