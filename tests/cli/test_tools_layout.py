"""The tools are thin: each script under tools/ calls one ``main`` of
``mmseg_hsp.cli``, none imports another or touches ``sys.path``, and every
tool with ``--amp`` offers the same choices."""
import ast
import contextlib
import importlib
import io
import os.path as osp
import runpy
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT

TOOLS = Path(REPO_ROOT) / 'tools'
SHIMS = sorted(TOOLS.rglob('*.py'))
AMP_CLIS = ('train', 'test', 'demo', 'reproduce_table5', 'benchmark_models',
            'benchmark_wsi', 'gpu_check_wsi', 'amp_agreement')
# What each parser needs before a bare --amp (which would take the next word).
REQUIRED = dict(train=['c.py'],
                test=['c.py', 'm.pth'],
                amp_agreement=['c.py', 'm.pth'],
                gpu_check_wsi=['--out', 'x'])
AMP_USAGE = '--amp [{auto,bf16,fp16,fp32}]'


def shim_cli(path: Path) -> str:
    """The ``mmseg_hsp.cli`` module a shim takes ``main`` from."""
    tree = ast.parse(path.read_text())
    (module, ) = [
        node.module for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module.startswith(
            'mmseg_hsp.cli.') and [a.name for a in node.names] == ['main']
    ]
    return module


@pytest.mark.parametrize('path',
                         SHIMS,
                         ids=lambda p: str(p.relative_to(TOOLS)))
def test_each_tool_is_a_shim_over_a_cli_main(path):
    tree = ast.parse(path.read_text())
    assert 'Example' in ast.get_docstring(tree), 'a shim says its usage'
    imports = [
        n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))
    ]
    # The cli main, and sys for a main that returns the exit status.
    assert {ast.unparse(n)
            for n in imports
            } <= {f'from {shim_cli(path)} import main', 'import sys'}
    assert callable(importlib.import_module(shim_cli(path)).main)


def test_no_sys_path_manipulation_in_tools_or_package():
    files = list(TOOLS.rglob('*.py')) + list(
        (Path(REPO_ROOT) / 'mmseg_hsp').rglob('*.py'))
    assert [str(f) for f in files if 'sys.path' in f.read_text()] == []


def parser_help(build_parser) -> str:
    return ' '.join(build_parser().format_help().split())


@pytest.mark.parametrize('name', AMP_CLIS)
def test_every_amp_tool_offers_the_same_choices(name):
    cli = importlib.import_module(f'mmseg_hsp.cli.{name}')
    text = parser_help(cli.build_parser)
    assert AMP_USAGE in text
    args = cli.build_parser().parse_args(REQUIRED.get(name, []) + ['--amp'])
    assert args.amp == 'auto'


@pytest.mark.parametrize('tool', ['train.py', 'test.py'])
def test_mmseg_tools_offer_the_same_amp_choices(monkeypatch, tool):
    monkeypatch.setattr(sys, 'argv', [tool, '--help'])
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit:
        runpy.run_path(osp.join(TOOLS, tool), run_name='__main__')
    assert exit.value.code == 0
    assert AMP_USAGE in ' '.join(out.getvalue().split())


@pytest.mark.parametrize('argv, amp', [([], 'fp32'), (['--amp'], 'auto'),
                                       (['--amp', 'bf16'], 'bf16')])
def test_benchmark_models_amp_defaults_to_fp32(argv, amp):
    from mmseg_hsp.cli.benchmark_models import parse_args
    assert parse_args(argv).amp == amp


def test_reproduce_table5_amp_defaults_to_the_presets():
    from mmseg_hsp.experiments.table5 import PRESETS
    assert {
        name: p.amp
        for name, p in PRESETS.items()
    } == dict(cpu='auto', paper='fp32', smoke='auto')
