"""The README's `make demo` / `make test` choose where to install: the active
virtualenv or conda env, else the project's own virtualenv (a system Python
such as Debian's refuses pip installs, PEP 668), or `make PYTHON=...`."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest

from conftest import REPO_ROOT

# An active environment, and what a calling make (`make test` itself)
# passes down: its flags and command-line variables (VENV=... in .ci/run).
ACTIVE_ENV_VARS = ('VIRTUAL_ENV', 'CONDA_PREFIX', 'PYTHON', 'VENV',
                   'MAKEFLAGS', 'MFLAGS', 'MAKELEVEL')


def make_dry_run(cwd, *args, **env):
    """What `make -n test` would run, with only ``env`` activated."""
    base = {k: v for k, v in os.environ.items() if k not in ACTIVE_ENV_VARS}
    proc = subprocess.run(['make', '-n', 'test', *args], cwd=cwd,
                          env=dict(base, **env), capture_output=True,
                          text=True, check=True)
    return proc.stdout.splitlines()


@pytest.mark.parametrize('args, env, python', [
    ((), {}, '.venv/bin/python'),
    ((), dict(VIRTUAL_ENV='/opt/venv'), '/opt/venv/bin/python'),
    ((), dict(CONDA_PREFIX='/opt/conda'), '/opt/conda/bin/python'),
    (('PYTHON=/usr/bin/python3', ), {}, '/usr/bin/python3'),
    (('PYTHON=/usr/bin/python3', ), dict(VIRTUAL_ENV='/opt/venv'),
     '/usr/bin/python3'),
])
def test_make_picks_the_python_to_install_into(tmp_path, args, env, python):
    shutil.copy(osp.join(REPO_ROOT, 'Makefile'), tmp_path)
    commands = make_dry_run(tmp_path, *args, **env)
    makes_venv = python == '.venv/bin/python'
    assert commands == ['bash tools/make_venv.sh .venv'] * makes_venv + [
        'bash tools/setup_env.sh', f'{python} -m pytest tests'
    ]


def test_project_venv_is_made_once_with_pip(tmp_path):
    venv = tmp_path / 'venv'
    subprocess.run(['bash', osp.join(REPO_ROOT, 'tools', 'make_venv.sh'),
                    str(venv)], check=True, capture_output=True)
    python = str(venv / 'bin' / 'python')
    pip = subprocess.run([python, '-m', 'pip', '--version'], check=True,
                         capture_output=True, text=True).stdout
    assert str(venv) in pip
    shutil.copy(osp.join(REPO_ROOT, 'Makefile'), tmp_path)
    # Once it exists, make uses it as it is.
    assert make_dry_run(tmp_path, 'VENV=venv') == [
        'bash tools/setup_env.sh', 'venv/bin/python -m pytest tests'
    ]


def test_project_venv_without_ensurepip(tmp_path):
    """Debian's python3 without python3-venv cannot make a virtualenv with
    pip: it is made without, and the system's pip puts pip in."""
    debian_python = tmp_path / 'python3'
    debian_python.write_text(
        '#!/bin/bash\n'
        'if [ "$1 $2" = "-m venv" ] && [ "$3" != --without-pip ]; then\n'
        '  echo "ensurepip is not available" >&2; exit 1\n'
        'fi\n'
        f'exec {sys.executable} "$@"\n')
    debian_python.chmod(0o755)
    venv = tmp_path / 'venv'
    subprocess.run(['bash', osp.join(REPO_ROOT, 'tools', 'make_venv.sh'),
                    str(venv)], check=True, capture_output=True,
                   env=dict(os.environ, BASE_PYTHON=str(debian_python)))
    pip = subprocess.run([str(venv / 'bin' / 'python'), '-m', 'pip',
                          '--version'], check=True, capture_output=True,
                         text=True).stdout
    assert str(venv) in pip
