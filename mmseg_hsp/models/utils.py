"""Small helpers about built models."""
from torch import nn


def count_params(model: nn.Module) -> int:
    """Parameters of the inference network: auxiliary heads are left out.

    The paper's counts are of the network that segments (Tables 4 and 5);
    an ``auxiliary_head`` only adds a training loss.

    Args:
        model (nn.Module): A segmentor.

    Returns:
        int: The number of parameters.
    """
    return sum(p.numel() for name, p in model.named_parameters()
               if not name.startswith('auxiliary_head.'))
