from .checkpoint import allow_mmengine_checkpoints, mmengine_checkpoint_globals
from .cli import (DATA_ERRORS, add_common_args, build_runner, exit_on_error,
                  load_config)
from .config_package import enable_package_configs
from .launch import setup_cpu_distributed

__all__ = [
    'allow_mmengine_checkpoints', 'mmengine_checkpoint_globals', 'DATA_ERRORS',
    'add_common_args', 'build_runner', 'exit_on_error', 'load_config',
    'setup_cpu_distributed', 'enable_package_configs'
]
