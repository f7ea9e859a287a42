"""The tools destroy their process group after a successful distributed
run (an abort at interpreter exit otherwise, now and then)."""
import torch.distributed as dist

from mmseg_hsp.cli import close_distributed


def test_close_distributed_destroys_the_group(tmp_path):
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/store',
                            rank=0, world_size=1)
    assert dist.is_initialized()
    close_distributed()
    assert not dist.is_initialized()
    close_distributed()  # outside a distributed run: nothing to do
    assert not dist.is_initialized()
