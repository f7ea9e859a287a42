"""tools/demo.py end to end on a tiny synthetic set: one console line per
step, mmengine's output in the log, and the training precision recorded."""
import json
import os
import subprocess
import sys

from conftest import REPO_ROOT

from mmseg_hsp.tiling import cpu_bf16_flags


def run_demo(tmp_path, *flags):
    return subprocess.run([
        sys.executable, 'tools/demo.py', '--data-root',
        str(tmp_path / 'Task2'), '--work-dir',
        str(tmp_path / 'demo'), '--num-train', '4', '--num-test', '2',
        '--size', '128', '--patch-size', '64', '--stride', '32',
        '--max-iters', '2', *flags
    ],
                          cwd=REPO_ROOT,
                          env=dict(os.environ, OMP_NUM_THREADS='1'),
                          capture_output=True,
                          text=True,
                          timeout=600)


def test_demo_console_log_and_precision(tmp_path):
    work_dir = tmp_path / 'demo'
    proc = run_demo(tmp_path)
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


def test_demo_amp_on_a_config_it_cannot_switch_is_one_line(tmp_path):
    config = tmp_path / 'other_wrapper.py'
    config.write_text(
        "_base_ = '" + os.path.join(REPO_ROOT, 'configs',
                                    'hspnet_r18_synthetic_demo.py') + "'\n"
        "optim_wrapper = dict(_delete_=True, type='OptimWrapperDict')\n")
    proc = run_demo(tmp_path, '--config', str(config))
    assert proc.returncode == 1
    assert 'Traceback' not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        'demo.py: error: --amp auto: mixed precision is only supported when '
        'the optimizer wrapper type is OptimWrapper, got OptimWrapperDict; or '
        'pass --amp fp32')
    assert not (tmp_path / 'demo' / 'metrics.json').exists()
