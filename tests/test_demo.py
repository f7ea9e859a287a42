"""tools/demo.py end to end on a tiny synthetic set: one console line per
step, mmengine's output in the log, and the training precision recorded."""
import json
import os
import subprocess
import sys

from conftest import REPO_ROOT

from mmseg_hsp.tiling import cpu_bf16_flags


def test_demo_console_log_and_precision(tmp_path):
    work_dir = tmp_path / 'demo'
    proc = subprocess.run([
        sys.executable, 'tools/demo.py', '--data-root',
        str(tmp_path / 'Task2'), '--work-dir',
        str(work_dir), '--num-train', '4', '--num-test', '2', '--size', '128',
        '--patch-size', '64', '--stride', '32', '--max-iters', '2'
    ],
                          cwd=REPO_ROOT,
                          env=dict(os.environ, OMP_NUM_THREADS='1'),
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    # Nothing but the demo's own lines, on stdout and stderr.
    assert proc.stderr == ''
    lines = proc.stdout.splitlines()
    assert lines and all(line.startswith('[demo] ') for line in lines)
    precision = 'bf16' if cpu_bf16_flags() else 'fp32'
    assert any(f'training 2 iterations ({precision})' in line
               for line in lines)
    with open(work_dir / 'metrics.json') as f:
        metrics = json.load(f)
    assert metrics['training_precision'] == precision
    assert 0 <= metrics['hspnet']['mIoU'] <= 1
    with open(work_dir / 'runner.log') as f:
        log = f.read()
    assert 'Config:' in log and 'Iter(test)' in log
