"""The model benchmark (tools/benchmarks/models.py): baselines built as asked
(5 classes, plain BN, no pretrained weights), the ratio table and its flags."""
import pytest

from mmseg_hsp.benchmarks import models as benchmark
from mmseg_hsp.cli import benchmark_models as cli


def config_types(cfg):
    """Every ``type`` in a config tree."""
    if isinstance(cfg, dict):
        found = [cfg['type']] if 'type' in cfg else []
        return found + [t for v in cfg.values() for t in config_types(v)]
    if isinstance(cfg, list):
        return [t for v in cfg for t in config_types(v)]
    return []


@pytest.mark.parametrize('name', sorted(benchmark.MODEL_CONFIGS))
def test_model_configs_have_5_classes_bn_and_no_weights(name):
    model = benchmark.model_config(benchmark.MODEL_CONFIGS[name])
    assert model.decode_head.num_classes == 5
    if model.get('auxiliary_head'):
        assert model.auxiliary_head.num_classes == 5
    assert model.get('pretrained') is None
    assert model.backbone.init_cfg is None
    types = config_types(model)
    assert 'SyncBN' not in types and 'BN' in types


def test_table_divides_by_the_baseline():
    rows = [
        dict(model='A', params=2e6, flops=3e9, batch=2, forward=0.5,
             train=3.0),
        dict(model='B', params=1e6, flops=1e9, batch=2, forward=0.25,
             train=1.0),
    ]
    lines = benchmark.markdown_table(rows, 'A').splitlines()
    assert lines[2].split('|')[1:-1] == [
        ' A ', ' 2.00 ', ' 3.0 ', ' 2 ', ' 500 ', ' 4.00 ', ' 3000 ',
        ' 0.67 ', ' 1.00x ', ' 1.00x '
    ]
    assert lines[3].endswith('| 0.50x | 0.33x |')


@pytest.mark.parametrize('argv, message', [
    (['--batch-sizes', '1'], '--batch-sizes'),
    (['--models', 'UNet S5-D16'], '--baseline'),
])
def test_bad_flags_are_named(argv, message, capsys):
    with pytest.raises(SystemExit):
        cli.parse_args(argv)
    assert message in capsys.readouterr().err


def test_count_params_leaves_out_the_auxiliary_head():
    import torch.nn as nn

    from mmseg_hsp.models.utils import count_params
    model = nn.Module()
    model.decode_head = nn.Linear(2, 3)  # 6 weights + 3 biases
    model.auxiliary_head = nn.Linear(4, 5)
    assert count_params(model) == 9
    assert benchmark.count_params is count_params
