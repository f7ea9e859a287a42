"""Loading MTCHI masks with their content checked."""
import mmcv
from mmengine import fileio

from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS
from .mtchi import MTCHI_CLASSES, check_mtchi_mask


@TRANSFORMS.register_module()
class LoadMTCHIAnnotations(LoadAnnotations):
    """mmseg's ``LoadAnnotations`` that first checks the raw mask.

    mmseg's loader casts whatever it decodes to uint8 (a 16-bit label 260
    silently becomes 4) and never compares the mask with its image. This
    one raises a ``ValueError`` naming the file for a mask that is not
    single-channel, is not the image's size, or has a label outside
    ``0..num_classes-1``, then loads it exactly as mmseg does.

    Place it after ``LoadImageFromFile``: the size is checked against the
    ``ori_shape`` that it records.

    Args:
        num_classes (int): Number of labels in the raw masks. Defaults to 5
            (background, normal, CIN1, CIN2, CIN3).
        **kwargs: Arguments of mmseg's ``LoadAnnotations``.
    """

    def __init__(self, num_classes: int = len(MTCHI_CLASSES), **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes

    def transform(self, results: dict) -> dict:
        # mmseg's inference_model and MMSegInferencer strip only a transform
        # named exactly 'LoadAnnotations' from the test pipeline and pass an
        # image alone. MTCHIDataset gives every sample a mask path, so the
        # test loop still loads and checks every mask.
        if 'seg_map_path' not in results:
            return results
        return super().transform(results)

    def _load_seg_map(self, results: dict) -> None:
        path = results['seg_map_path']
        raw = mmcv.imfrombytes(
            fileio.get(path, backend_args=self.backend_args),
            flag='unchanged',
            backend=self.imdecode_backend)
        check_mtchi_mask(raw, path, results.get('ori_shape'), self.num_classes)
        # Decoded a second time by mmseg (about 1 ms a patch), which keeps
        # its label_map / reduce_zero_label handling as it is.
        super()._load_seg_map(results)

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f', num_classes={self.num_classes})'
