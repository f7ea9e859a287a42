"""tools/gpu_check.sh refuses what it does not know (its --dry-run is run
by tests/experiments/test_reproduce_table5.py)."""
import subprocess

from conftest import REPO_ROOT


def test_gpu_check_refuses_unknown_arguments():
    proc = subprocess.run(['bash', 'tools/gpu_check.sh', '--dryrun'],
                          cwd=REPO_ROOT, capture_output=True, text=True)
    assert proc.returncode == 2
    assert 'unknown argument --dryrun' in proc.stderr
