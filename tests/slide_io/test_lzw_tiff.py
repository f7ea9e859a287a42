"""A TIFF as OpenCV writes it (LZW-compressed strips) reads through the
slide reader: tifffile's codecs (imagecodecs) are a dependency."""
import cv2
import numpy as np
import tifffile

from mmseg_hsp.slide_io import open_slide


def test_lzw_strip_tiff_from_opencv_reads(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (40, 56, 3),
                                            dtype=np.uint8)
    path = str(tmp_path / 'region.tif')
    assert cv2.imwrite(path, rgb[..., ::-1])  # OpenCV writes BGR
    with tifffile.TiffFile(path) as tiff:
        page = tiff.pages[0]
        assert page.compression == tifffile.COMPRESSION.LZW
        assert not page.is_tiled
    with open_slide(path) as reader:
        assert reader.level_dimensions[0] == (56, 40)
        region = reader.read_region((0, 0), 0, (56, 40))
    np.testing.assert_array_equal(region[..., :3], rgb)
