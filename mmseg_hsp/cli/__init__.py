"""What ``tools/train.py`` and ``tools/test.py`` share: mmseg's flags, the
config they read, ``--amp``, the runner they build, CPU-only distributed
launch, one-line errors for the user's mistakes and ``--resume`` past a truncated
checkpoint; and the number types of ``tools/infer_wsi.py``'s flags.

Each other tool has its module here, its parser and ``main(argv=None)``
(``python -m mmseg_hsp.cli.demo``, ``reproduce_table5``, ``table5``,
``amp_agreement``, ``benchmark_models``, ``benchmark_wsi``,
``benchmark_stain``, ``gpu_check_wsi``, ``convert_mtchi``,
``make_synthetic_mtchi``); the scripts under ``tools/`` call them. Not
imported here: each pulls in its experiment.
"""
from .amp import add_amp_argument, enable_amp
from .args import add_cfg_options, add_common_args, load_config
from .errors import CONFIG_ERRORS, exit_on_error
from .launch import close_distributed, setup_cpu_distributed
from .resume import resume_checkpoint
from .runner import build_runner
from .weights import PretrainedWeightsUnavailable

__all__ = [
    'add_amp_argument', 'enable_amp', 'add_cfg_options', 'add_common_args',
    'load_config', 'CONFIG_ERRORS', 'exit_on_error', 'setup_cpu_distributed',
    'close_distributed', 'build_runner', 'resume_checkpoint',
    'PretrainedWeightsUnavailable'
]
