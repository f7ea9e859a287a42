import os.path as osp
import sys

# Test-only modules (fixtures.probe_hooks) are imported by configs through
# custom_imports, in this process and in the tools' subprocesses.
TESTS_DIR = osp.dirname(osp.abspath(__file__))
REPO_ROOT = osp.dirname(TESTS_DIR)
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)
