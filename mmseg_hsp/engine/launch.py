"""Distributed launch on machines without CUDA (gloo, 1 process per core)."""
import torch
import torch.distributed as dist
from mmengine.config import Config

from ..arguments import ArgumentError


def setup_cpu_distributed(cfg: Config, launcher: str) -> None:
    """Prepare ``cfg`` and the process group for CPU-only DDP.

    mmengine's ``pytorch`` launcher calls ``torch.cuda.set_device`` and wraps
    the model with ``device_ids=[LOCAL_RANK]``, both of which fail without
    CUDA, and SyncBN only runs on GPUs. When launched distributed on a machine
    without CUDA this starts the gloo process group itself (mmengine then
    skips its own ``init_dist``), wraps the model for CPU and keeps plain BN.
    On GPUs it does nothing: the config's nccl backend and SyncBN apply.

    Args:
        cfg (Config): The run's config, modified in place.
        launcher (str): ``'none'`` (does nothing), ``'pytorch'``,
            ``'slurm'`` or ``'mpi'``.

    Raises:
        ArgumentError: A launcher other than ``'pytorch'`` without CUDA.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return
    if launcher != 'pytorch':
        raise ArgumentError(
            'launcher', launcher, 'needs CUDA; on CPU launch with torchrun '
            '(tools/dist_train.sh) and the pytorch launcher')
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg.backend = 'gloo'
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    cfg.sync_bn = None
    cfg.model_wrapper_cfg = dict(type='MMDistributedDataParallel',
                                 device_ids=None,
                                 broadcast_buffers=False,
                                 find_unused_parameters=cfg.get(
                                     'find_unused_parameters', False))


def close_distributed() -> None:
    """Destroy the process group once a distributed run has succeeded.

    A process that exits with its process group alive leaves gloo's worker
    threads to interpreter finalisation, which now and then aborts it after
    a run that printed its results (``terminate called without an active
    exception``, torchrun's ChildFailedError, exit code 1; PyTorch issue
    190489). Only after success: a rank that failed while another waits in
    a collective would block in the teardown (torchrun stops the others
    instead). Does nothing outside a distributed run.
    """
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
