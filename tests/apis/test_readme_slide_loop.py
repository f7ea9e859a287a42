"""The README's slide loop prints each failed slide's reason, in the API's
words."""
import re

from conftest import REPO_ROOT
from fixtures.wsi_slides import ColourModel, painted_slide, write_pyramid

import mmseg_hsp.apis
from mmseg_hsp.apis import segment_slides
from mmseg_hsp.wsi import SlideSegmenter


def readme_slide_loop() -> str:
    """The Python block of the README's *Whole slides* section."""
    with open(f'{REPO_ROOT}/README.md') as f:
        section = f.read().split('## Whole slides', 1)[1].split('\n## ')[0]
    (code, ) = re.findall(r'```python\n(.*?)```', section, re.S)
    return code


def test_readme_slide_loop_prints_each_failure_reason(tmp_path, monkeypatch,
                                                      capsys):
    # The snippet's model files are not in the repository: the colour-rule
    # stand-in model takes their place; the loop is what is tested.
    segmenter = SlideSegmenter.from_model(
        ColourModel(), blend=dict(tile=64, stride=32, batch_size=16),
        progress=False)
    monkeypatch.setattr(mmseg_hsp.apis, 'init_slide_segmenter',
                        lambda *args, **kwargs: segmenter)
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'slides').mkdir()
    rgb = painted_slide(256, 320, [(32, 32, 128, 160, (230, 130, 200))])
    write_pyramid(tmp_path / 'slides' / 'a.tif', rgb, mpp=0.25, levels=2)
    (tmp_path / 'slides' / 'b.svs').write_bytes(b'not a slide')
    exec(readme_slide_loop(), {})
    printed = capsys.readouterr().out.splitlines()
    # the same call again: a is skipped now, b fails for the same reason
    error = segment_slides(segmenter, ['slides/'],
                           out_dir='outputs/wsi')[1]['error']
    assert error.startswith('slides/b.svs: ')
    assert [line.rstrip() for line in printed] == [
        'slides/a.tif done', f'slides/b.svs failed {error}'
    ]
