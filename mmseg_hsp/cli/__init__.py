"""The tools' flags: each tool has its module here, its parser and
``main(argv=None)`` (``python -m mmseg_hsp.cli.train``, ``test``, ``demo``,
``infer_wsi``, ``reproduce_table5``, ``table5``, ``amp_agreement``,
``benchmark_models``, ``benchmark_wsi``, ``benchmark_stain``,
``gpu_check_wsi``, ``convert_mtchi``, ``make_synthetic_mtchi``); the
scripts under ``tools/`` call them. Not imported here: each pulls in its
experiment or API.

Shared here: mmseg's flags and the config they read, ``--amp``, one-line
errors for the user's mistakes, and the number types of
``tools/infer_wsi.py``'s flags. The runner, CPU-only distributed launch and
``--resume`` past a truncated checkpoint are the API's
(:mod:`mmseg_hsp.engine`), re-exported for scripts written against this
module.
"""
from ..engine.launch import close_distributed, setup_cpu_distributed
from ..engine.resume import resume_checkpoint
from ..engine.runner import build_runner
from ..engine.weights import PretrainedWeightsUnavailable
from .amp import add_amp_argument, enable_amp
from .args import add_cfg_options, add_common_args, load_config
from .errors import CONFIG_ERRORS, exit_on_error

__all__ = [
    'add_amp_argument', 'enable_amp', 'add_cfg_options', 'add_common_args',
    'load_config', 'CONFIG_ERRORS', 'exit_on_error', 'setup_cpu_distributed',
    'close_distributed', 'build_runner', 'resume_checkpoint',
    'PretrainedWeightsUnavailable'
]
