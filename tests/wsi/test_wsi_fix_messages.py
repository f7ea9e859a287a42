"""Messages that named no fix now name the problem and the fix in one line:
damaged image data (a corrupt JPEG tile's ``Bogus marker length``, a
truncated deflate tile's ``Error -5 while decompressing data``), an
analysis resolution that shrinks the slide to nothing (an
``OverflowError``), a tile no memory holds (a ``MemoryError``), a CUDA
device without CUDA (an ``AssertionError``), a checkpoint whose start was
zeroed (called "all zero bytes").
"""
import openslide
import pytest
import tifffile
import torch
from fixtures.wsi_slides import (ColourModel, painted_slide, tiny_checkpoint,
                                 write_pyramid)

from mmseg_hsp.checkpoint_file import UnreadableCheckpoint, load_checkpoint_file
from mmseg_hsp.tiling import BlendSpec, check_device
from mmseg_hsp.wsi.runner import run_slides
from mmseg_hsp.wsi.segmenter import SlideSegmenter

DAMAGED = ('the file is truncated or corrupt (an interrupted copy, a scanner '
           'fault); copy it again, or re-export or rescan the slide')


def segmenter(**resolution):
    return SlideSegmenter.from_model(
        ColourModel(), blend=dict(tile=64, stride=32, batch_size=4),
        resolution=resolution or dict(mpp=1.0), progress=False)


def corrupt_first_tile(path):
    """Overwrite the middle of the first tile's deflate stream."""
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        offset, count = page.dataoffsets[0], page.databytecounts[0]
    with open(path, 'r+b') as f:
        f.seek(offset + count // 4)
        f.write(b'\xff' * (count // 2))


def painted(path, **kwargs):
    write_pyramid(path, painted_slide(128, 128, [(16, 16, 96, 96,
                                                  (230, 130, 200))]),
                  mpp=1.0, levels=1, **kwargs)
    return str(path)


def test_a_damaged_tile_read_by_openslide_is_one_line(tmp_path):
    path = painted(tmp_path / 's.tif')
    corrupt_first_tile(path)
    [result] = run_slides(segmenter(), [path], str(tmp_path / 'out'))
    assert result['status'] == 'failed'
    assert result['error'].startswith(
        f'{path}: its image data is damaged at level 0, ')
    assert '(OpenSlideError: ' in result['error']
    assert result['error'].endswith(DAMAGED)


def test_a_damaged_strip_read_by_tifffile_is_one_line(tmp_path):
    path = str(tmp_path / 'region.tif')
    tifffile.imwrite(path, painted_slide(128, 128, [(16, 16, 96, 96,
                                                     (230, 130, 200))]),
                     photometric='rgb', compression='zlib',
                     rowsperstrip=128, resolution=(1e4, 1e4),
                     resolutionunit='CENTIMETER')
    corrupt_first_tile(path)
    [result] = run_slides(segmenter(), [path], str(tmp_path / 'out'))
    assert result['error'].startswith(
        f'{path}: its image data is damaged at level 0 (')
    # zlib's own words, or imagecodecs' (tifffile decodes with it when it
    # is installed, as the runtime requirements have it)
    assert ('while decompressing data' in result['error']
            or 'DeflateError' in result['error']), result['error']
    assert result['error'].endswith(DAMAGED)


def test_a_corrupt_jpeg_tile_is_one_line(tmp_path, monkeypatch):
    path = painted(tmp_path / 's.tif')

    def bogus(self, location, level, size):
        raise openslide.OpenSlideError(
            'Bogus marker length')  # what libjpeg says of a corrupt tile

    monkeypatch.setattr(openslide.OpenSlide, 'read_region', bogus)
    [result] = run_slides(segmenter(), [path], str(tmp_path / 'out'))
    assert result['error'].startswith(
        f'{path}: its image data is damaged at level 0, ')
    assert result['error'].endswith(
        f'(OpenSlideError: Bogus marker length): {DAMAGED}')


def test_a_magnification_shrinking_the_slide_to_nothing(tmp_path):
    path = painted(tmp_path / 's.tif')
    [result] = run_slides(segmenter(magnification=1e-300), [path],
                          str(tmp_path / 'out'))
    assert result['error'] == (
        f'{path}: analysing it at x1e-300 would shrink its 128x128 level 0 '
        'to 1.28e-299x1.28e-299 pixels, less than one a side; ask for a '
        "finer magnification= or mpp= (the paper's x10)")


def test_a_tile_no_memory_holds_is_refused():
    with pytest.raises(ValueError) as error:
        BlendSpec(tile=1_000_000, stride=100)
    message = str(error.value)
    assert message.startswith('tile 1000000x1000000: its blending window and '
                              'one batch of 8 tiles need at least 1.19e+05 '
                              'GiB, more than the ')
    assert message.endswith("GiB of memory available; use a smaller --tile "
                            "(the paper's 400) or --batch-size")


@pytest.mark.skipif(torch.cuda.is_available(), reason='this machine has '
                    'CUDA: the CPU-only message cannot show')
def test_cuda_without_cuda_is_one_line():
    with pytest.raises(ValueError) as error:
        check_device('cuda')
    assert str(error.value).startswith('device cuda: ')
    assert str(error.value).endswith('; use --device cpu (or run on a '
                                     'machine with a GPU)')
    with pytest.raises(ValueError, match="'gpu' is not a torch device"):
        check_device('gpu')
    check_device('cpu')


def test_a_checkpoint_with_its_start_zeroed_is_called_damaged(tmp_path):
    _, path = tiny_checkpoint(tmp_path)
    with open(path, 'r+b') as f:
        f.write(bytes(4096))
    with pytest.raises(UnreadableCheckpoint) as error:
        load_checkpoint_file(path)
    assert str(error.value) == (
        f'checkpoint {path} is damaged: its first 4096 bytes are zeros, then '
        'data; it starts with neither a zip (torch.save) nor a pickle header '
        '(its start was overwritten); give the .pth file a training run '
        'saved')
