"""Train a segmentor from Python: the API behind ``tools/train.py``."""
import logging
from typing import Optional, Union

from mmengine.config import Config
from mmengine.logging import print_log

from ..engine.amp import enable_amp
from ..engine.launch import close_distributed
from ..engine.resume import resume_checkpoint
from ..engine.runner import build_runner, load_config


def warn(message: str) -> None:
    print_log(message, logger='current', level=logging.WARNING)


def train_model(config: Union[str, Config],
                work_dir: Optional[str] = None,
                *,
                resume: bool = False,
                load_from: Optional[str] = None,
                amp: Optional[str] = None,
                cfg_options: Optional[dict] = None,
                launcher: str = 'none') -> dict:
    """Train a segmentor, as mmseg's ``tools/train.py`` does.

    Args:
        config (str | Config): A config file, ``mmseg_hsp::<name>.py`` (a
            config of the package) or a Config (not changed).
        work_dir (str, optional): Where logs and checkpoints go. Defaults
            to the config's ``work_dir``, else
            ``./work_dirs/<config name>``.
        resume (bool): Go on from the newest complete checkpoint of
            ``work_dir`` (past one truncated by a killed run, with a
            warning); from ``load_from`` when given. Without a checkpoint
            the run starts afresh. Defaults to False.
        load_from (str, optional): Weights to start from (loaded leniently,
            for fine-tuning), or with ``resume`` the checkpoint to resume.
        amp (str, optional): ``'auto'`` (float16 on CUDA, bfloat16 on a CPU
            with native bfloat16, else float32 with a note), ``'bf16'``,
            ``'fp16'`` (CUDA) or ``'fp32'``. Defaults to None: not given;
            None and ``'fp32'`` train as the config says.
        cfg_options (dict, optional): Overrides of the config, as
            ``--cfg-options`` gives them: ``{'train_cfg.max_iters': 20}``.
        launcher (str): ``'none'``, ``'pytorch'`` (torchrun; also on CPU),
            ``'slurm'`` or ``'mpi'``. Defaults to ``'none'``.

    Returns:
        dict: ``work_dir`` and ``checkpoint``, the last checkpoint the run
        saved (None if the config saves none).

    Raises:
        ArgumentError: (a ``ValueError``) naming the argument that cannot
            be used: ``amp`` unknown, ``'fp16'`` on a CPU, or a config
            whose optimizer wrapper mixed precision cannot switch; a
            ``launcher`` that needs CUDA.
        FileNotFoundError: A missing config, data folder or ``load_from``;
            ``resume`` where the last checkpoint is broken and no complete
            one is left.

    Example:
        >>> run = train_model('configs/hspnet_r18_synthetic_demo.py',
        ...                   'work_dirs/demo', amp='auto',
        ...                   cfg_options={'train_cfg.max_iters': 20})
        >>> run['checkpoint']
        'work_dirs/demo/iter_20.pth'
    """
    cfg = load_config(config, work_dir, cfg_options, launcher)
    # fp32 (or nothing) trains as the config says, AmpOptimWrapper included.
    if amp not in (None, 'fp32'):
        enable_amp(cfg, amp)
    cfg.resume = resume
    if load_from is not None:
        cfg.load_from = load_from
    if resume and cfg.get('load_from') is None:
        cfg.load_from = resume_checkpoint(cfg.work_dir, warn=warn)
    runner = build_runner(cfg)
    # The loop builds the rest of the config (loops, dataloaders,
    # evaluator) and reads the data: errors there are the user's too.
    runner.train()
    if launcher != 'none':
        close_distributed()
    return dict(work_dir=cfg.work_dir,
                checkpoint=runner.message_hub.get_info('last_ckpt'))
