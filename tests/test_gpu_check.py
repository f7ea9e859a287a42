"""tools/gpu_check.sh --dry-run: the GPU readiness check runs on CPU (CI)."""
import json
import os
import subprocess
import sys

import pytest

from conftest import REPO_ROOT


def test_gpu_check_dry_run_writes_the_wsi_figures(tmp_path):
    env = dict(os.environ, OUT=str(tmp_path), PYTHON=sys.executable,
               PYTHONPATH=REPO_ROOT, OMP_NUM_THREADS='1')
    proc = subprocess.run(['bash', 'tools/gpu_check.sh', '--dry-run'],
                          cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(tmp_path / 'wsi' / 'wsi.json') as f:
        result = json.load(f)
    assert result['dry_run'] and result['device'] == 'cpu'
    assert result['gpu'] is None  # no nvidia-smi on a dry run
    # 640 x 800 in 128 px tiles at stride 64: 9 x 12, all tissue.
    assert result['tiles'] == dict(total=108, run=108, skipped=0)
    assert result['precision']['channels_last']
    rates = result['tiles_per_second']
    assert rates['infer_wsi'] > 0 and rates['bare_forward'] > 0
    assert result['share_of_bare'] == pytest.approx(
        rates['infer_wsi'] / rates['bare_forward'], abs=0.01)


def test_gpu_check_refuses_unknown_arguments():
    proc = subprocess.run(['bash', 'tools/gpu_check.sh', '--dryrun'],
                          cwd=REPO_ROOT, capture_output=True, text=True)
    assert proc.returncode == 2
    assert 'unknown argument --dryrun' in proc.stderr
