from .checkpoint import allow_mmengine_checkpoints, mmengine_checkpoint_globals
from .cli import add_common_args, load_config
from .launch import setup_cpu_distributed

__all__ = [
    'allow_mmengine_checkpoints', 'mmengine_checkpoint_globals',
    'add_common_args', 'load_config', 'setup_cpu_distributed'
]
