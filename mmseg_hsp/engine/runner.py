"""The config of a run and its runner, made the way mmseg's tools make them.

mmengine names a runner's global instances (``Visualizer``, ``MessageHub``,
``MMLogger``, ``DefaultScope``) ``<config name>_<timestamp>`` and its log
folder ``<work_dir>/<timestamp>``, to the second. A second runner started
in the same second of the same process would get the first one's instances
(``get_instance`` returns an existing name's instance and ignores the
arguments): its scores and painted images would go to the first run's
folder, its log into the first run's logger. mmseg's configs make it
worse: they name the visualizer ``'visualizer'``, one instance for every
runner of a process (a test after a training in one process would write
its scores into the training's folder). :func:`build_runner` starts every
runner in a second of its own, its visualizer named after it.
"""
import copy
import os.path as osp
import time
from typing import Optional, Union

from _mmseg_hsp_configs import config_file
from mmengine.config import Config
from mmengine.runner import Runner

from mmseg.registry import RUNNERS
from ..arguments import ArgumentError
from ..config_options import merge_cfg_options
from .batch import split_total_batch
from .launch import setup_cpu_distributed
from .weights import explain_failed_downloads

LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')
# mmengine's timestamp format (Runner.setup_env).
TIMESTAMP = '%Y%m%d_%H%M%S'
# The timestamps of the runners build_runner made in this process.
_started = set()


def load_config(config: Union[str, Config],
                work_dir: Optional[str] = None,
                cfg_options: Optional[dict] = None,
                launcher: str = 'none') -> Config:
    """Read a config and apply a run's settings, as mmseg's tools do.

    Args:
        config (str | Config): A config file, an ``mmseg_hsp::<name>.py``
            of the package's configs, or a Config (copied, not changed).
        work_dir (str, optional): The run's folder. Defaults to the
            config's ``work_dir``, else ``./work_dirs/<config name>``.
        cfg_options (dict, optional): Overrides, as ``--cfg-options`` gives
            them (``{'train_cfg.max_iters': 20}``).
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or
            ``'mpi'``. Defaults to ``'none'``.

    Returns:
        Config: The config with launcher, overrides and work_dir set, the
        per-process batch split from ``total_batch_size``, made ready for
        CPU-only distributed runs where there is no CUDA.

    Raises:
        ArgumentError: An unknown launcher, one that needs CUDA where there
            is none, or no ``work_dir`` for a Config without a file.
    """
    if launcher not in LAUNCHERS:
        raise ArgumentError('launcher', launcher,
                            f'unknown; use one of {", ".join(LAUNCHERS)}')
    if isinstance(config, Config):
        cfg = copy.deepcopy(config)
    else:
        cfg = Config.fromfile(config_file(config))
    cfg.launcher = launcher
    merge_cfg_options(cfg, cfg_options)
    if 'train_dataloader.batch_size' not in (cfg_options or {}):
        # An explicit per-process batch wins, as in mmseg.
        split_total_batch(cfg, launcher)
    # work_dir priority: argument > config file > config file name.
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        if not cfg.filename:
            raise ArgumentError('work_dir', work_dir,
                                'a config without a file needs a work_dir')
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(cfg.filename))[0])
    setup_cpu_distributed(cfg, launcher)
    return cfg


def build_runner(cfg: Config) -> Runner:
    """Build mmengine's default runner, or ``cfg.runner_type`` if set.

    Waits, if need be, for the next second, and leaves the visualizer's
    name to mmengine (the run's name), so that the runner's global
    instances and log folder are its own (see the module doc). Pretrained
    weights that cannot be downloaded later (when the run starts) raise
    :class:`~.weights.PretrainedWeightsUnavailable`, one line.

    Args:
        cfg (Config): The prepared config; its visualizer's ``name`` is
            dropped.

    Returns:
        Runner: The runner, with the model already built.
    """
    explain_failed_downloads()
    if isinstance(cfg.get('visualizer'), dict):
        cfg.visualizer.pop('name', None)
    while time.strftime(TIMESTAMP, time.localtime(time.time())) in _started:
        time.sleep(1 - time.time() % 1)
    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    _started.add(runner.timestamp)
    return runner
