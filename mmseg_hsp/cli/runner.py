"""Building the runner the way mmseg's tools do."""
from mmengine.config import Config
from mmengine.runner import Runner

from mmseg.registry import RUNNERS

from .weights import explain_failed_downloads


def build_runner(cfg: Config) -> Runner:
    """Build mmengine's default runner, or ``cfg.runner_type`` if set.

    Pretrained weights that cannot be downloaded later (when the run starts)
    raise :class:`~.weights.PretrainedWeightsUnavailable`, one line.

    Args:
        cfg (Config): The prepared config.

    Returns:
        Runner: The runner, with the model already built.
    """
    explain_failed_downloads()
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    return RUNNERS.build(cfg)
