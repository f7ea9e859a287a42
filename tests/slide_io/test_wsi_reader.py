"""Slide readers, resolution choice, region reading and the tissue mask."""
import cv2
import numpy as np
import pytest
import tifffile
from fixtures.wsi_slides import painted_slide, write_pyramid

from mmseg_hsp.tiling import TileWindow
from mmseg_hsp.slide_io import (ImageReader, OpenSlideReader, RowBuffer,
                                ScaledRegion, SlideError, SlideReader,
                                TiffReader, analysis_frame, open_slide,
                                resolve_scale)
from mmseg_hsp.wsi.tissue import TissueMask, detect_tissue


def fake_reader(mpp=None, power=None, size=(1000, 800), bounds=None):
    reader = SlideReader('fake.svs')
    reader.level_dimensions = [size]
    reader.level_downsamples = [1.0]
    reader.mpp, reader.objective_power, reader.bounds = mpp, power, bounds
    return reader


def test_resolve_scale_prefers_objective_power_for_magnification():
    scale = resolve_scale(fake_reader(mpp=0.2527, power=40), 10)
    assert scale.downsample == 4.0
    assert scale.mpp == pytest.approx(4 * 0.2527)
    assert scale.magnification == 10
    # a microns-per-pixel target uses the pixel size
    scale = resolve_scale(fake_reader(mpp=0.2527, power=40), mpp=1.0)
    assert scale.downsample == pytest.approx(1 / 0.2527)
    # only one of the two recorded: x10 = 1 um/px converts
    assert resolve_scale(fake_reader(mpp=0.5), 10).downsample == 2.0
    assert resolve_scale(fake_reader(power=20), mpp=2.0).downsample == 4.0
    assert resolve_scale(fake_reader(power=20), 10).mpp is None
    # metadata-free files take the user's numbers
    scale = resolve_scale(fake_reader(), 10, input_magnification=10)
    assert (scale.downsample, scale.magnification) == (1.0, 10.0)


def test_no_resolution_metadata_is_a_clear_error():
    # from Python, in the API's words (the tool's: test_flag_keywords.py)
    with pytest.raises(SlideError, match='fake.svs: no resolution metadata.*'
                       'input_mpp= or input_magnification='):
        resolve_scale(fake_reader(), 10)


def test_analysis_frame_is_what_qupath_shows():
    assert analysis_frame(fake_reader()) == (0, 0, 1000, 800)
    cropped = fake_reader(bounds=(100, 50, 600, 400))
    assert analysis_frame(cropped) == (100, 50, 600, 400)
    # QuPath crops only when both sides differ
    assert analysis_frame(fake_reader(bounds=(0, 50, 1000, 400))) == \
        (0, 0, 1000, 800)


@pytest.fixture
def slide(tmp_path):
    rgb = painted_slide(256, 384, [(32, 64, 96, 128, (200, 0, 0))])
    rgb[200:, 300:] = np.arange(56 * 84 * 3).reshape(56, 84, 3) % 251
    path = tmp_path / 'slide.tif'
    write_pyramid(path, rgb, mpp=0.25, levels=2)
    return path, rgb


def test_openslide_reader_reads_pyramid_and_metadata(slide):
    path, rgb = slide
    reader = open_slide(str(path))
    assert isinstance(reader, OpenSlideReader)
    assert reader.level_dimensions == [(384, 256), (192, 128)]
    assert reader.mpp == 0.25 and reader.bounds is None
    region = reader.read_region((300, 200), 0, (100, 70))
    assert np.array_equal(region[:56, :84], rgb[200:, 300:])
    assert (region[56:] == 255).all() and (region[:, 84:] == 255).all()


def test_scaled_region_uses_matching_level_or_resamples(slide):
    path, rgb = slide
    reader = open_slide(str(path))
    # downsample 2: level 1 as is
    region = ScaledRegion(reader, 2.0, analysis_frame(reader))
    assert (region.level, region.scale, region.size) == (1, 1.0, (128, 192))
    assert np.array_equal(region.read(0, 0, 128, 192), rgb[::2, ::2])
    # downsample 4: from level 1, area-averaged 2x2 blocks
    region = ScaledRegion(reader, 4.0, analysis_frame(reader))
    assert (region.level, region.scale) == (1, 2.0)
    expected = cv2.resize(rgb[::2, ::2], (96, 64),
                          interpolation=cv2.INTER_AREA)
    assert np.array_equal(region.read(0, 0, 64, 96), expected)


def test_tiff_reader_reads_untiled_tiff_with_centimetre_resolution(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 255, (40, 60, 3), np.uint8)
    tifffile.imwrite(tmp_path / 'cm.tif', rgb, photometric='rgb',
                     resolution=(20000, 20000), resolutionunit='CENTIMETER')
    tifffile.imwrite(tmp_path / 'inch.tif', rgb, photometric='rgb',
                     resolution=(72, 72), resolutionunit='INCH')
    reader = open_slide(str(tmp_path / 'cm.tif'))
    assert isinstance(reader, TiffReader)
    assert reader.mpp == pytest.approx(0.5)
    assert np.array_equal(reader.read_region((10, 5), 0, (20, 10)),
                          rgb[5:15, 10:30])
    # 72 dpi is a default, not a microscope: no resolution
    assert open_slide(str(tmp_path / 'inch.tif')).mpp is None


def test_image_reader_reads_png_as_rgb(tmp_path):
    rgb = painted_slide(30, 40, [(0, 0, 10, 10, (200, 0, 0))])
    cv2.imwrite(str(tmp_path / 'r.png'), rgb[..., ::-1])
    reader = open_slide(str(tmp_path / 'r.png'))
    assert isinstance(reader, ImageReader) and reader.mpp is None
    assert np.array_equal(reader.read_region((0, 0), 0, (40, 30)), rgb)


def test_unreadable_files_raise_one_line_errors(tmp_path):
    with pytest.raises(SlideError, match='missing.svs: no such file'):
        open_slide(str(tmp_path / 'missing.svs'))
    (tmp_path / 'broken.png').write_bytes(b'not an image')
    with pytest.raises(SlideError, match='broken.png: cannot be decoded'):
        open_slide(str(tmp_path / 'broken.png'))
    (tmp_path / 'broken.tif').write_bytes(b'II*\x00garbage')
    with pytest.raises(SlideError, match='broken.tif: cannot be opened') as e:
        open_slide(str(tmp_path / 'broken.tif'))
    assert '\n' not in str(e.value)


def test_row_buffer_reads_on_demand_skips_and_remembers_black(slide):
    path, rgb = slide
    rgb_black = rgb.copy()
    rgb_black[100:110, :50] = 0
    reader = ImageReader.__new__(ImageReader)
    SlideReader.__init__(reader, 'mem')
    reader._image = rgb_black
    reader.level_dimensions, reader.level_downsamples = [(384, 256)], [1.0]
    rows = RowBuffer(ScaledRegion(reader, 1.0, (0, 0, 384, 256)),
                     chunk_rows=16)
    tiles = rows.tiles([TileWindow(0, 0, 64, 64), TileWindow(240, 350, 64,
                                                             64)])
    assert np.array_equal(tiles[0], rgb_black[:64, :64])
    assert np.array_equal(tiles[1, :16, :34], rgb_black[240:, 350:])
    assert (tiles[1, 16:] == 255).all()  # past the edge: white
    # the jump to row 240 skipped the rows in between, unread
    assert rows.top == 240
    black = rows.black(96, 112)
    assert not black.any()  # rows 64..240 were never read
    rows2 = RowBuffer(ScaledRegion(reader, 1.0, (0, 0, 384, 256)), 16)
    rows2.rows(90, 120)
    rows2.release(105)
    black = rows2.black(100, 112)
    assert black[:10, :50].all() and not black[10:].any()
    assert not black[:, 50:].any()


def test_tissue_detection_finds_stain_not_glass_or_black():
    rng = np.random.default_rng(0)
    glass = np.clip(235 + rng.normal(0, 4, (64, 96, 3)), 0, 255).astype(
        np.uint8)
    assert not detect_tissue(glass).any()
    stained = glass.copy()
    stained[16:48, 24:72] = (200, 110, 190)
    stained[:8, :8] = 0  # scanner fill
    mask = detect_tissue(stained)
    assert mask[18:46, 26:70].all()
    assert not mask[:8, :8].any() and not mask[:, 80:].any()


def test_tissue_mask_selects_tiles_and_rows():
    mask = np.zeros((4, 6), bool)
    mask[1, 2] = True
    tissue = TissueMask(mask, cell=16)
    assert tissue.has_tissue(TileWindow(0, 0, 32, 48))  # reaches cell (1, 2)
    assert not tissue.has_tissue(TileWindow(0, 0, 16, 96))
    assert not tissue.has_tissue(TileWindow(32, 0, 32, 96))
    rows = tissue.rows(10, 40, 90)
    assert rows.shape == (30, 90)
    assert rows[6:22, 32:48].all() and rows.sum() == 16 * 16
