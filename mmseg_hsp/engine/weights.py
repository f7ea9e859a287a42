"""One actionable line when pretrained weights cannot be downloaded.

The paper's configs start the encoder from torchvision's ImageNet weights,
given by URL; the zoo baselines from OpenMMLab's (``open-mmlab://``). On an
offline machine (hospital clusters often are) mmengine's download ends in a
two-screen ``URLError`` traceback that says neither which file is missing nor
what to do. :func:`explain_failed_downloads` makes it a
:class:`PretrainedWeightsUnavailable` naming the file, where torch looks for
it, and how to train without it.
"""
import os.path as osp
from urllib.error import URLError
from urllib.parse import urlparse

import mmengine.runner.checkpoint as mmengine_checkpoint
import torch

# What an unreachable or refusing server raises from torch's download.
DOWNLOAD_ERRORS = (URLError, ConnectionError, TimeoutError)


class PretrainedWeightsUnavailable(FileNotFoundError):
    """A checkpoint given by URL is neither cached nor downloadable.

    A ``FileNotFoundError``, so that the tools report it in one line with
    exit code 2 like any other missing input file.

    Args:
        url (str): The checkpoint's URL.
        reason (str): Why the download failed.
    """

    def __init__(self, url: str, reason: str):
        name = osp.basename(urlparse(url).path)
        cache_dir = osp.join(torch.hub.get_dir(), 'checkpoints')
        super().__init__(
            f'cannot download the pretrained weights {url} ({reason}). '
            f'Offline, copy {name} into {cache_dir}/ (torch\'s cache, looked '
            'up first), or point the config at your copy: --cfg-options '
            f'model.backbone.init_cfg.checkpoint=/path/to/{name}. To train '
            'without them (random initialisation): --cfg-options '
            'model.backbone.init_cfg=None')
        self.url = url


def explain_failed_downloads() -> None:
    """Wrap mmengine's URL loader (idempotent).

    Every remote scheme of mmengine's ``CheckpointLoader`` (``http(s)://``,
    ``open-mmlab://``, ``torchvision://``) ends in
    ``mmengine.runner.checkpoint.load_url``; a cached file loads as before.
    """
    load_url = mmengine_checkpoint.load_url
    if getattr(load_url, 'explains_failures', False):
        return

    def load_url_or_explain(url, *args, **kwargs):
        try:
            return load_url(url, *args, **kwargs)
        except DOWNLOAD_ERRORS as e:
            reason = getattr(e, 'reason', None) or e
            raise PretrainedWeightsUnavailable(url, str(reason)) from e

    load_url_or_explain.explains_failures = True
    mmengine_checkpoint.load_url = load_url_or_explain
