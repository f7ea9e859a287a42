"""Package layers: no module of mmseg_hsp imports across a forbidden edge,
nor starts a process across one.

Every module is parsed (not imported), and every import in it, at module or
function level, absolute or relative, is resolved to the ``mmseg_hsp``
subpackage it reaches. ``import mmseg_hsp`` itself (which fills mmseg's
registries) belongs to no layer and is allowed everywhere.

A process is started by module name (``python -m mmseg_hsp.cli.train``):
every string in the code (docstrings left out) that is a dotted
``mmseg_hsp.<layer>`` name is an edge to that layer. A tool's logic
(experiments, benchmarks) may start a tool (cli) it must not import; the
library may start none. A path into ``tools/`` used as a command (a string
``tools/<script>``, or ``'tools'`` joined into a path) is never allowed: the
package runs without a checkout's scripts.
"""
import ast
import os.path as osp
import re
from pathlib import Path

import pytest

from conftest import REPO_ROOT

PACKAGE = Path(REPO_ROOT) / 'mmseg_hsp'
# Importing subpackage -> subpackages it must never import. Add a row for a
# new layer.
FORBIDDEN = {
    'tiling': ('models', 'wsi', 'datasets', 'evaluation', 'cli', 'compat',
               'engine'),
    'wsi': ('datasets', ),
    'models': ('wsi', ),
    'datasets': ('wsi', ),
    'slide_io': ('models', 'wsi', 'datasets', 'evaluation', 'cli', 'compat',
                 'engine', 'stain', 'apis', 'experiments', 'benchmarks',
                 'annotations'),
}
# Annotation files, slide_io's peer (neither imports the other): below
# everything that reads slides or annotations.
FORBIDDEN['annotations'] = tuple(
    layer for layer in FORBIDDEN['slide_io'] if layer != 'annotations') + (
        'slide_io', 'tiling')
# The tools' layers: a tool's flags (cli) over its logic (experiments,
# benchmarks) over the library; nothing imports a layer above it.
TOOL_LAYERS = ('cli', 'experiments', 'benchmarks')
# The API (apis) is the library's top: the tools call it, never the reverse.
for _layer in ('models', 'datasets', 'wsi', 'tiling', 'evaluation', 'engine',
               'stain', 'compat'):
    FORBIDDEN[_layer] = FORBIDDEN.get(_layer, ()) + TOOL_LAYERS + ('apis', )
FORBIDDEN['apis'] = TOOL_LAYERS
FORBIDDEN['experiments'] = ('cli', )
FORBIDDEN['benchmarks'] = ('cli', )
# Processes a layer must not start: what it must not import, less the tools
# (cli) that the tools' logic runs in processes of their own.
FORBIDDEN_STARTS = dict(FORBIDDEN, experiments=(), benchmarks=())
# A dotted name of the package (an f-string's start, too).
MODULE_NAME = re.compile(r'^mmseg_hsp(\.\w+)+\.?$')
# A script of a checkout's tools/ folder, named as a command would.
TOOLS_PATH = re.compile(r'^(\./)?tools/[\w./-]+$')


def module_name(path: Path, root: Path) -> str:
    """Dotted name of a module file under the package folder ``root``."""
    parts = list(path.relative_to(root.parent).with_suffix('').parts)
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def imported_names(path: Path, root: Path):
    """``(line, dotted name)`` of every import in a module, resolved.

    ``from a import b`` yields ``a`` and ``a.b`` (``b`` may be a module).
    """
    name = module_name(path, root)
    package = name if path.name == '__init__.py' else name.rpartition('.')[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')
                base = base[:len(base) - node.level + 1]
                base = '.'.join(base + ([node.module] if node.module else []))
            else:
                base = node.module
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f'{base}.{alias.name}'


def forbidden_imports(root: Path, forbidden: dict):
    """``'file:line: a -> b'`` for each import across a forbidden edge."""
    found = []
    for path in sorted(root.rglob('*.py')):
        layer = module_name(path, root).split('.')[1:2]
        banned = forbidden.get(layer[0], ()) if layer else ()
        for line, imported in imported_names(path, root):
            parts = imported.split('.')
            if parts[0] == root.name and len(parts) > 1 and \
                    parts[1] in banned:
                found.append(f'{path.relative_to(root.parent)}:{line}: '
                             f'{layer[0]} -> {parts[1]}')
    return sorted(set(found))


def code_strings(tree: ast.AST):
    """``(line, text)`` of every string constant but the docstrings (any
    bare string statement), f-strings' literal parts included."""
    docs = {
        id(node.value)
        for node in ast.walk(tree) if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docs:
            yield node.lineno, node.value


def joins_tools(node: ast.AST) -> bool:
    """Whether ``node`` is a call of some ``join`` with a ``'tools'``
    argument (``osp.join(REPO_ROOT, 'tools', 'train.py')``)."""
    return isinstance(node, ast.Call) and isinstance(
        node.func, (ast.Attribute, ast.Name)) and getattr(
            node.func, 'attr', getattr(node.func, 'id', None)) == 'join' \
        and any(isinstance(a, ast.Constant) and a.value == 'tools'
                for a in node.args)


def forbidden_starts(root: Path, forbidden: dict):
    """``'file:line: ...'`` for each process a module starts across a
    forbidden edge (``a -> b``), and each path into tools/ it builds
    (``a -> tools/``)."""
    found = []
    for path in sorted(root.rglob('*.py')):
        layer = module_name(path, root).split('.')[1:2]
        if not layer:
            continue
        tree = ast.parse(path.read_text(), str(path))
        where = f'{path.relative_to(root.parent)}'
        banned = forbidden.get(layer[0], ())
        for line, text in code_strings(tree):
            parts = text.rstrip('.').split('.')
            if MODULE_NAME.match(text) and parts[1] in banned:
                found.append(f'{where}:{line}: {layer[0]} -> {parts[1]}')
        lines = [line for line, text in code_strings(tree)
                 if TOOLS_PATH.match(text)]
        lines += [node.lineno for node in ast.walk(tree) if joins_tools(node)]
        found += [f'{where}:{line}: {layer[0]} -> tools/' for line in lines]
    return sorted(set(found))


def test_no_forbidden_import_edge():
    assert forbidden_imports(PACKAGE, FORBIDDEN) == []


def test_no_forbidden_process_edge_nor_path_into_tools():
    assert forbidden_starts(PACKAGE, FORBIDDEN_STARTS) == []


def test_the_tools_logic_starts_tools_by_module():
    """The walk sees the real process edges, in the allowed way."""
    tree = ast.parse((PACKAGE / 'benchmarks' / 'stain.py').read_text())
    assert 'mmseg_hsp.cli.train' in {text for _, text in code_strings(tree)}


@pytest.mark.parametrize('layer, source, found', [
    ('wsi', "ARGV = [sys.executable, '-m', 'mmseg_hsp.cli.infer_wsi']\n",
     'wsi -> cli'),
    ('tiling', "run(f'mmseg_hsp.wsi.{name}')\n", 'tiling -> wsi'),
    ('experiments', "ARGV = ['tools/train.py', config]\n",
     'experiments -> tools/'),
    ('benchmarks', "TOOL = osp.join(REPO_ROOT, 'tools', 'test.py')\n",
     'benchmarks -> tools/'),
    ('experiments', "ARGV = ['-m', 'mmseg_hsp.cli.train']\n", None),
    ('wsi', '"""Run as tools/infer_wsi.py or mmseg_hsp.cli.infer_wsi."""\n'
     "HINT = 'rerun tools/infer_wsi.py with --overwrite'\n", None),
])
def test_each_kind_of_start_is_caught(tmp_path, layer, source, found):
    root = tmp_path / 'mmseg_hsp'
    (root / layer).mkdir(parents=True)
    (root / '__init__.py').write_text('')
    (root / layer / 'run.py').write_text('import sys\n' + source)
    expected = [osp.join('mmseg_hsp', layer, 'run.py') +
                f':{source.count(chr(10)) + 1}: {found}'] if found else []
    assert forbidden_starts(root, FORBIDDEN_STARTS) == expected


def test_every_importing_layer_of_the_table_exists():
    present = {p.name for p in PACKAGE.iterdir() if p.is_dir()}
    assert set(FORBIDDEN) <= present


def test_models_and_wsi_import_the_tiling_core():
    """The walk sees real edges (resolution works), in the allowed way."""
    seen = set()
    for path in PACKAGE.rglob('*.py'):
        layer = module_name(path, PACKAGE).split('.')[1:2]
        for _, imported in imported_names(path, PACKAGE):
            if imported.startswith('mmseg_hsp.tiling') and layer:
                seen.add(layer[0])
    assert {'models', 'wsi'} <= seen


@pytest.mark.parametrize('source, edge', [
    ('from ..wsi import SlideSegmenter\n', 'tiling -> wsi'),
    ('import mmseg_hsp.datasets.mtchi\n', 'tiling -> datasets'),
    ('from mmseg_hsp import models\n', 'tiling -> models'),
    ('def f():\n    from .. import evaluation\n', 'tiling -> evaluation'),
])
def test_each_kind_of_import_is_caught(tmp_path, source, edge):
    root = tmp_path / 'mmseg_hsp'
    (root / 'tiling').mkdir(parents=True)
    (root / '__init__.py').write_text('')
    (root / 'tiling' / '__init__.py').write_text('')
    (root / 'tiling' / 'core.py').write_text('import numpy\n' + source)
    found = forbidden_imports(root, FORBIDDEN)
    assert found == [osp.join('mmseg_hsp', 'tiling', 'core.py') +
                     f':{source.count(chr(10)) + 1}: {edge}']


def test_annotations_and_slide_io_are_peers(tmp_path):
    root = tmp_path / 'mmseg_hsp'
    for layer, other in (('annotations', 'slide_io'),
                         ('slide_io', 'annotations')):
        (root / layer).mkdir(parents=True, exist_ok=True)
        (root / layer / '__init__.py').write_text(f'from ..{other} import x\n')
    assert forbidden_imports(root, FORBIDDEN) == [
        osp.join('mmseg_hsp', 'annotations', '__init__.py') +
        ':1: annotations -> slide_io',
        osp.join('mmseg_hsp', 'slide_io', '__init__.py') +
        ':1: slide_io -> annotations'
    ]


def test_allowed_imports_pass(tmp_path):
    root = tmp_path / 'mmseg_hsp'
    (root / 'wsi').mkdir(parents=True)
    (root / 'wsi' / '__init__.py').write_text(
        'import mmseg_hsp\nfrom ..tiling import BlendSpec\n'
        'from . import reader\nfrom mmseg.registry import DATASETS\n')
    assert forbidden_imports(root, FORBIDDEN) == []
