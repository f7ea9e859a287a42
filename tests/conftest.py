import os.path as osp
import signal
import subprocess
import sys

import pytest

# Test-only modules (fixtures.probe_hooks) are imported by configs through
# custom_imports, in this process and in the tools' subprocesses.
TESTS_DIR = osp.dirname(osp.abspath(__file__))
REPO_ROOT = osp.dirname(TESTS_DIR)
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)


def default_sigint() -> None:
    """``preexec_fn`` of a tool the test stops with Ctrl-C (SIGINT).

    A shell starts background jobs with SIGINT ignored, children inherit
    that, and Python then installs no KeyboardInterrupt handler: a suite run
    in the background (``bash .ci/run &``) would send a SIGINT nobody hears.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def make_venv(path) -> str:
    """A throw-away virtualenv that sees the running environment's packages.

    ``venv --system-site-packages`` would show it the *base* interpreter's
    packages, which lack mmengine & co. when the suite itself runs in a
    virtualenv (as `make test` does). Instead a ``.pth`` file appends the
    running interpreter's site-packages folders to its path, after its own;
    their ``.pth`` files are not run, so an editable install of this
    repository there cannot shadow the install under test. It has no pip of
    its own: the running environment's is found through that path.

    Returns:
        str: The virtualenv's python.
    """
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip',
                    str(path)], check=True)
    python = osp.join(str(path), 'bin', 'python')
    purelib = subprocess.run(
        [python, '-c', 'import sysconfig; print(sysconfig.get_path("purelib"))'],
        check=True, capture_output=True, text=True).stdout.strip()
    site_dirs = [p for p in sys.path
                 if osp.basename(p) in ('site-packages', 'dist-packages')]
    with open(osp.join(purelib, 'running_env.pth'), 'w') as f:
        f.write('\n'.join(site_dirs) + '\n')
    return python


@pytest.fixture(scope='module')
def model_files(tmp_path_factory):
    """Config and checkpoint of the tiny FCN, as the tools are given them."""
    from fixtures.wsi_slides import FCN_CONFIG, tiny_checkpoint
    _, checkpoint = tiny_checkpoint(tmp_path_factory.mktemp('model'))
    return FCN_CONFIG, checkpoint
