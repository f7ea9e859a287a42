"""The fast path of inference: precision policy, read-ahead."""
import threading
import time

import numpy as np
import pytest
import torch
from torch import nn

from mmseg_hsp.tiling import precision as precision_module
from mmseg_hsp.tiling.blending import BlendSpec, blend_tiles, grid_windows
from mmseg_hsp.tiling.precision import CPU_BF16_FLAGS, Precision, cpu_bf16_flags
from mmseg_hsp.tiling.prefetch import read_ahead


def _proc_cpuinfo_flags():
    try:
        with open('/proc/cpuinfo') as f:
            return next(line.split(':', 1)[1].split() for line in f
                        if line.startswith('flags'))
    except (OSError, StopIteration):
        pytest.skip('no /proc/cpuinfo flags here')


def test_cpu_bf16_flags_agree_with_proc_cpuinfo():
    flags = _proc_cpuinfo_flags()
    assert cpu_bf16_flags() == tuple(f for f in CPU_BF16_FLAGS if f in flags)


def test_cpu_amp_is_bf16_only_where_the_cpu_has_it(monkeypatch):
    notes = []
    monkeypatch.setattr(precision_module, 'print_log',
                        lambda message, **kwargs: notes.append(message))
    monkeypatch.setattr(precision_module, 'cpu_bf16_flags',
                        lambda: ('avx512_bf16', ))
    assert Precision.resolve('cpu', True).dtype is torch.bfloat16
    assert Precision.resolve('cpu', None).dtype is torch.bfloat16
    assert Precision.resolve('cpu', 'bf16').name == 'bf16'
    monkeypatch.setattr(precision_module, 'cpu_bf16_flags', lambda: ())
    precision_module._note_no_bf16.cache_clear()
    fallback = Precision.resolve('cpu', True)
    assert fallback.dtype is None and fallback.channels_last
    assert Precision.resolve('cpu', True) == fallback  # said once only
    assert Precision.resolve('cpu', None) == fallback  # silently
    assert Precision.resolve('cpu', 'bf16').dtype is torch.bfloat16
    note, emulated = notes
    assert 'no native bfloat16' in note and 'float32' in note
    assert 'avx512_bf16' in note
    # bf16 asked for runs, told that it is emulated and much slower
    assert 'bf16 is emulated, many times slower than float32' in emulated
    assert Precision.resolve('cpu', 'bf16').name == 'bf16'  # said once
    assert len(notes) == 2


def test_amp_dtypes_per_device():
    assert Precision.resolve('cpu', False) == Precision('cpu', None, True)
    assert Precision.resolve('cuda:1', True).dtype is torch.float16
    assert Precision.resolve('cuda', None).dtype is None
    assert Precision.resolve('cuda', 'bf16').dtype is torch.bfloat16
    assert Precision.resolve('cpu', 'fp32', channels_last=False) == \
        Precision('cpu', None, False)


@pytest.mark.parametrize('device, amp, message', [
    ('cpu', 'fp16', 'float16 autocast is for CUDA'),
    ('cpu', 'half', "amp 'half' is unknown"),
    ('mps', True, 'mixed precision runs on cpu or cuda'),
])
def test_bad_amp_raises_one_clear_error(device, amp, message):
    with pytest.raises(ValueError, match=message):
        Precision.resolve(device, amp)


def test_policy_sets_memory_format_and_autocast_dtype():
    model = nn.Conv2d(3, 4, 3)
    policy = Precision('cpu', torch.bfloat16)
    assert policy.prepare(model) is model
    assert model.weight.is_contiguous(memory_format=torch.channels_last)
    inputs = policy.inputs(torch.randn(2, 3, 8, 8))
    assert inputs.is_contiguous(memory_format=torch.channels_last)
    with policy.autocast():
        assert model(inputs).dtype is torch.bfloat16
    with Precision('cpu').autocast():
        assert model(inputs).dtype is torch.float32
    assert policy.to_dict() == dict(dtype='bf16', channels_last=True)


def test_read_ahead_keeps_order_and_bounds_the_work_ahead():
    consumed = []
    ahead = []

    def work(item):
        ahead.append(item - len(consumed))
        time.sleep(0.001)
        return item * 10

    for result in read_ahead(work, range(12), depth=2):
        time.sleep(0.003)  # the consumer is slower: the worker runs ahead
        consumed.append(result)
    assert consumed == [i * 10 for i in range(12)]
    # Work on item k starts while the caller holds item k - 2 at most.
    assert max(ahead) == 2


def test_read_ahead_runs_one_worker_thread_and_chains():
    threads = set()

    def tag(item):
        threads.add(threading.get_ident())
        return item + 1

    chained = read_ahead(tag, read_ahead(tag, range(5), 2), 1)
    assert list(chained) == [2, 3, 4, 5, 6]
    assert threading.get_ident() not in threads and len(threads) == 2


def test_read_ahead_raises_the_workers_error_and_stops_early():
    calls = []

    def fail_at_3(item):
        calls.append(item)
        if item == 3:
            raise OSError('bad tile 3')
        return item

    results = read_ahead(fail_at_3, range(100), depth=2)
    assert [next(results) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(OSError, match='bad tile 3'):
        next(results)
    assert max(calls) <= 5
    with pytest.raises(ValueError, match='depth must be an int >= 0'):
        next(read_ahead(fail_at_3, [1], depth=-1))


def test_read_ahead_depth_0_computes_in_the_callers_thread_when_taken():
    calls = []

    def tag(item):
        calls.append((item, threading.get_ident()))
        return item * 10

    results = read_ahead(tag, range(4), depth=0)
    assert next(results) == 0 and len(calls) == 1  # nothing computed ahead
    assert list(results) == [10, 20, 30]
    assert {thread for _, thread in calls} == {threading.get_ident()}


@pytest.mark.parametrize('mode', ['gauss', 'mean', 'none'])
def test_torch_blending_equals_numpy_bit_for_bit(mode):
    """The device path (torch, here on the CPU) against the host path."""
    spec = BlendSpec(mode=mode, tile=(24, 20), stride=(10, 7), batch_size=3)
    size = (61, 53)
    rng = np.random.default_rng(0)
    windows = grid_windows(size, spec)
    tile_scores = {w: rng.random((3, 24, 20)).astype(np.float32)
                   for w in windows}

    def predict(batch):
        return torch.from_numpy(np.stack([tile_scores[w] for w in batch]))

    def keep(window):  # no tile covers the bottom-right corner
        return window.y < 30 or window.x < 20

    results = []
    # The host path with worker threads and without (a CPU model's way).
    for device, reads_ahead in ((None, 2), ('cpu', 2), (None, 0)):
        bands = list(
            blend_tiles(lambda batch: batch, predict, size, 3, spec, keep,
                        device=device, reads_ahead=reads_ahead))
        assert isinstance(bands[0].scores, np.ndarray) == (device is None)
        results.append([
            np.concatenate([np.asarray(b.scores) for b in bands], 1),
            np.concatenate([np.asarray(b.covered) for b in bands]),
            np.concatenate([b.labels(fill=7) for b in bands])
        ])
    (scores, covered, labels), (t_scores, t_covered, t_labels) = results[:2]
    for inline, threaded in zip(results[2], results[0]):
        assert np.array_equal(inline, threaded)
    assert not covered.all() and covered.any()
    assert np.array_equal(scores, t_scores) and scores.dtype == t_scores.dtype
    assert np.array_equal(covered, t_covered)
    assert np.array_equal(labels, t_labels) and t_labels.dtype == np.uint8
    assert (labels[~covered] == 7).all()
