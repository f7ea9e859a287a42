"""The notebook of docs/api.md runs as written: it trains the demo config
for 20 iterations with train_model, tests it with test_model and prints a
finite mIoU per protocol."""
import math
import os
import re
import subprocess
import sys

from conftest import REPO_ROOT

DOC = os.path.join(REPO_ROOT, 'docs', 'api.md')
SCORE_LINE = re.compile(r'^(none|gauss): mIoU (\S+), Dice (\S+)$')


def notebook_block() -> str:
    """The one fenced python block of the page that trains."""
    with open(DOC) as f:
        blocks = re.findall(r'```python\n(.*?)```', f.read(), re.S)
    (block, ) = [b for b in blocks if 'train_model(' in b]
    return block


def test_the_notebook_block_is_the_20_iteration_demo():
    block = notebook_block()
    assert "'train_cfg.max_iters': 20" in block
    assert 'hspnet_r18_synthetic_demo.py' in block


def test_the_notebook_runs_and_prints_a_finite_miou(tmp_path):
    (tmp_path / 'notebook.py').write_text(notebook_block())
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO_ROOT)
    proc = subprocess.run([sys.executable, 'notebook.py'], cwd=tmp_path,
                          env=env, capture_output=True, text=True,
                          timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    scores = [SCORE_LINE.match(line) for line in proc.stdout.splitlines()]
    scores = [match.groups() for match in scores if match]
    assert [mode for mode, _, _ in scores] == ['none', 'gauss']
    for _, miou, dice in scores:
        assert math.isfinite(float(miou)) and 0 <= float(miou) <= 1
        assert 0 <= float(dice) <= 1
    assert (tmp_path / 'work_dirs' / 'notebook' / 'iter_20.pth').is_file()
