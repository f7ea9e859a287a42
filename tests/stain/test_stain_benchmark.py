"""The stain benchmark (tools/benchmarks/stain.py): its schedule override and
its table."""
import argparse

import pytest
from mmengine.config import Config, DictAction


@pytest.fixture(scope='module')
def tool():
    from mmseg_hsp.benchmarks import stain
    return stain


def test_schedule_options_move_every_end_of_training(tool):
    config = tool.CONFIGS['b']
    cfg = Config.fromfile(config)
    assert cfg.train_cfg.max_iters == 1000
    # Parsed as tools/train.py parses --cfg-options.
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg.merge_from_dict(
        parser.parse_args(['--cfg-options',
                           *tool.schedule_options(config, 200)]).cfg_options)
    assert cfg.train_cfg.max_iters == 200
    assert cfg.train_cfg.val_interval == 200
    assert cfg.default_hooks.checkpoint.interval == 200
    warmup, cosine = cfg.param_scheduler
    assert (warmup.begin, warmup.end) == (0, 30)  # not the end: unchanged
    assert (cosine.begin, cosine.end, cosine.T_max) == (30, 200, 170)


def test_table_drops_and_acceptance(tool, tmp_path):
    stains = ['lab-b', 'scanner']
    # Per variant: original mIoU, then each held-out stain's.
    miou = {
        '(a) as today': (0.6, 0.4, 0.5),
        '(b) stain augmentation': (0.6, 0.55, 0.6),
        '(c) (a) + normalisation': (0.5, 0.5, 0.5),
        '(c) (b) + normalisation': (0.5, 0.4, 0.4),
    }
    results = {
        variant: {
            stain: dict(mIoU=value, Dice=value + 0.1)
            for stain, value in zip([tool.ORIGINAL, *stains], values)
        }
        for variant, values in miou.items()
    }
    rows = tool.table_rows(results, stains)
    assert len(rows) == 4 * 3
    assert rows[1]['stain'] == 'lab-b'
    assert rows[1]['mIoU_drop'] == pytest.approx(0.2)
    drops = tool.mean_drops(rows)
    assert drops['(a) as today']['mIoU'] == pytest.approx(0.15)
    assert drops['(b) stain augmentation']['mIoU'] == pytest.approx(0.025)
    assert drops['(c) (b) + normalisation']['Dice'] == pytest.approx(0.1)
    note = tool.acceptance_note(drops)
    assert 'at most half' in note
    results['(b) stain augmentation']['lab-b']['mIoU'] = 0.3
    assert 'MORE than half' in tool.acceptance_note(
        tool.mean_drops(tool.table_rows(results, stains)))
    tool.write_tables(rows, drops, str(tmp_path), note)
    table = (tmp_path / 'stain_table.md').read_text()
    assert '| (a) as today | lab-b | 0.4000 | 0.5000 | +0.2000 |' in table
    assert '| (b) stain augmentation | +0.0250 | +0.0250 | 0.17 |' in table
    csv_lines = (tmp_path / 'stain_table.csv').read_text().splitlines()
    assert csv_lines[0] == 'variant,stain,mIoU,Dice,mIoU_drop,Dice_drop'
    assert len(csv_lines) == 1 + 12
