"""The total training batch, split over the processes of a run."""
import os

from mmengine.config import Config

# Where each launcher states the number of processes.
WORLD_SIZE_VARIABLES = {
    'pytorch': 'WORLD_SIZE',
    'slurm': 'SLURM_NTASKS',
    'mpi': 'OMPI_COMM_WORLD_SIZE',
}


def world_size(launcher: str) -> int:
    """Processes of the run that ``launcher`` starts (1 for ``none``)."""
    if launcher == 'none':
        return 1
    return int(os.environ.get(WORLD_SIZE_VARIABLES[launcher], 1))


def split_total_batch(cfg: Config, launcher: str) -> None:
    """Set the per-process batch from ``cfg.total_batch_size``.

    mmseg's ``train_dataloader.batch_size`` is per process, so
    ``dist_train.sh CONFIG 4`` would train at 4 times the batch of one
    process. A config with ``total_batch_size`` (the MTCHI configs: 16, the
    paper's) keeps that total on any number of processes: each gets
    ``total_batch_size / world size``. Without the key nothing changes.

    Args:
        cfg (Config): The run's config, modified in place.
        launcher (str): ``--launcher`` of the tool.

    Raises:
        ValueError: If the total does not split evenly over the processes.
    """
    total = cfg.get('total_batch_size')
    if total is None:
        return
    processes = world_size(launcher)
    if total % processes:
        raise ValueError(
            f'total_batch_size {total} does not split over {processes} '
            f'processes; launch a number of processes that divides {total}, '
            'or set --cfg-options total_batch_size=N')
    cfg.train_dataloader.batch_size = total // processes
