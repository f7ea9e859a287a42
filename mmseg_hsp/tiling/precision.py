"""How a model runs at inference: autocast dtype and memory format.

Channels-last is on by default: oneDNN (CPU) and cuDNN (CUDA) run
convolutions fastest on NHWC, and it changes no result beyond float
rounding. Mixed precision (``amp``) is bfloat16 autocast on CPU, and only
where the CPU has native bfloat16 instructions (``avx512_bf16`` or
``amx_bf16``): elsewhere oneDNN emulates bfloat16, slower than float32, so
the model runs float32 and one line says why. On CUDA it is float16 (or
bfloat16 on request). Scores leave the model as float32 either way.
"""
import contextlib
import functools
import logging
from dataclasses import dataclass
from typing import Optional, Tuple, Union

import torch
from mmengine.logging import print_log
from torch import nn

# Native bfloat16 instruction sets, as torch and /proc/cpuinfo name them.
CPU_BF16_FLAGS = ('avx512_bf16', 'amx_bf16')
AMP_DTYPES = dict(bf16=torch.bfloat16, fp16=torch.float16)
# The one precision vocabulary of every tool's ``--amp`` and of the API.
AMP_CHOICES = ('auto', *AMP_DTYPES, 'fp32')


def cpu_bf16_flags() -> Tuple[str, ...]:
    """The native bfloat16 instruction sets of this CPU.

    Read from torch's CPU feature probe (cpuinfo, any OS), else from
    ``/proc/cpuinfo`` (Linux).

    Returns:
        tuple[str, ...]: Those of :data:`CPU_BF16_FLAGS` present; empty
        where there are none or the CPU cannot be probed.
    """
    probe = getattr(torch._C._cpu, '_get_cpu_capability', None)
    if probe is not None:
        capability = probe()
        return tuple(flag for flag in CPU_BF16_FLAGS if capability.get(flag))
    try:
        with open('/proc/cpuinfo') as f:
            flags = next((line.split(':', 1)[1].split()
                          for line in f if line.startswith('flags')), [])
    except OSError:
        return ()
    return tuple(flag for flag in CPU_BF16_FLAGS if flag in flags)


@functools.lru_cache(maxsize=None)
def _note_no_bf16(amp: str) -> None:
    """Say once per process why ``'auto'`` runs float32 on this CPU, or
    that the ``'bf16'`` asked for is emulated."""
    outcome = {
        'auto':
        'so the model runs float32 (emulated bfloat16 would be slower)',
        # Measured: HSP-Net R101 trained 19x slower (docs/benchmarks.md).
        'bf16':
        'so bf16 is emulated, many times slower than float32 (19x in '
        'training, docs/benchmarks.md); --amp auto runs float32 here',
    }[amp]
    print_log(
        'amp: this CPU has no native bfloat16 (none of '
        f'{"/".join(CPU_BF16_FLAGS)} in its flags), {outcome}',
        logger='current',
        level=logging.WARNING)


def choose_amp(flag: Optional[str] = None,
               config: Union[bool, str, None] = None,
               default: str = 'auto') -> str:
    """The one precedence rule of ``--amp``: the flag, else the config's
    ``test_cfg.amp``, else the tool's default.

    Args:
        flag (str, optional): What the user passed (None: not given).
        config (bool | str, optional): The config's setting (None: unset;
            True/False are read as ``'auto'``/``'fp32'``).
        default (str): The tool's default. Defaults to ``'auto'``.

    Returns:
        str: One of :data:`AMP_CHOICES`.

    Raises:
        ValueError: A value outside :data:`AMP_CHOICES`, naming its source.
    """
    for source, value in (('--amp', flag), ('test_cfg.amp', config),
                          ('the default', default)):
        if value is None:
            continue
        value = {True: 'auto', False: 'fp32'}.get(value, value)
        if value not in AMP_CHOICES:
            raise ValueError(f'{source} {value!r} is unknown; use one of '
                             f'{", ".join(AMP_CHOICES)}')
        return value
    raise ValueError('no precision given: pass --amp')


@dataclass(frozen=True)
class Precision:
    """The autocast dtype and memory format a model runs with.

    Build it with :meth:`resolve`, which checks the device.

    Args:
        device_type (str): ``'cpu'`` or ``'cuda'``.
        dtype (torch.dtype, optional): Autocast dtype; None runs float32.
        channels_last (bool): NHWC inputs and weights. Defaults to True.
    """
    device_type: str
    dtype: Optional[torch.dtype] = None
    channels_last: bool = True

    @classmethod
    def resolve(cls,
                device: Union[str, torch.device],
                amp: Union[bool, str, None] = False,
                channels_last: bool = True,
                requested: bool = True) -> 'Precision':
        """The precision to run with on a device.

        Args:
            device (str | torch.device): The model's device.
            amp (bool | str | None): ``False``/``'fp32'``: float32;
                ``None``: bfloat16 on a CPU with native bfloat16, float32
                elsewhere, silently; ``True``/``'auto'``: bfloat16 on a CPU
                with native bfloat16 (float32 on other CPUs, with one line
                saying so), float16 on CUDA; ``'bf16'``/``'fp16'``: that
                dtype (``'fp16'`` on CUDA only; ``'bf16'`` runs on any CPU,
                emulated where not native, with one line saying so).
            channels_last (bool): Run NHWC. Defaults to True.
            requested (bool): Whether ``amp`` is what the user asked for
                (an argument, a flag, a config) rather than a tool's
                default. Only a request is told that ``'auto'`` runs
                float32 on a CPU without native bfloat16. Defaults to True.

        Returns:
            Precision: The policy.
        """
        device_type = torch.device(device).type
        if amp is None:
            amp = 'auto' if device_type == 'cpu' and cpu_bf16_flags() \
                else 'fp32'
        amp = {True: 'auto', False: 'fp32'}.get(amp, amp)
        if amp not in AMP_CHOICES:
            raise ValueError(f'amp {amp!r} is unknown; use one of '
                             f'{AMP_CHOICES} (or True/False)')
        if device_type not in ('cpu', 'cuda'):
            if amp != 'fp32':
                raise ValueError(f'mixed precision runs on cpu or cuda, not '
                                 f'{device_type}; drop --amp')
            return cls(device_type, None, channels_last)
        if amp == 'fp32':
            return cls(device_type, None, channels_last)
        if device_type == 'cuda':
            dtype = torch.float16 if amp == 'auto' else AMP_DTYPES[amp]
            return cls(device_type, dtype, channels_last)
        if amp == 'fp16':
            raise ValueError('float16 autocast is for CUDA; on CPU use bf16 '
                             '(or auto: bfloat16 where it is native)')
        if not cpu_bf16_flags():
            if requested:
                _note_no_bf16(amp)
            if amp == 'auto':
                return cls(device_type, None, channels_last)
        return cls(device_type, torch.bfloat16, channels_last)

    @property
    def memory_format(self) -> torch.memory_format:
        """torch.memory_format: Of 4-D inputs and weights."""
        return torch.channels_last if self.channels_last \
            else torch.contiguous_format

    @property
    def name(self) -> str:
        """str: ``'fp32'``, ``'bf16'`` or ``'fp16'``, for logs and
        summaries."""
        names = {dtype: name for name, dtype in AMP_DTYPES.items()}
        return names.get(self.dtype, 'fp32')

    def autocast(self):
        """The autocast context of forward passes (a no-op for float32).

        Thread-local in torch: enter it in the thread that runs the model.
        """
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)

    def prepare(self, model: nn.Module) -> nn.Module:
        """Put the model's 4-D weights in the memory format, in place.

        Args:
            model (nn.Module): The model.

        Returns:
            nn.Module: The same model.
        """
        return model.to(memory_format=self.memory_format)

    def inputs(self, batch: torch.Tensor) -> torch.Tensor:
        """A ``(N, C, H, W)`` batch in the memory format (no copy if it is).

        Args:
            batch (Tensor): The batch.

        Returns:
            Tensor: The batch, same values.
        """
        return batch.contiguous(memory_format=self.memory_format)

    def to_dict(self) -> dict:
        """dict: The policy, for summaries and logs."""
        return dict(dtype=self.name, channels_last=self.channels_last)


def check_device(device: Union[str, torch.device]) -> None:
    """Refuse, in one line, a device this machine does not have.

    torch's own error for ``cuda`` without CUDA is an ``AssertionError``
    ("Torch not compiled with CUDA enabled") that names no fix.

    Args:
        device (str | torch.device): A torch device.

    Raises:
        ValueError: If it is no torch device, or a CUDA device that torch
            cannot use here (a CPU build of torch, no GPU, an index past
            the GPUs).
    """
    try:
        device = torch.device(device)
    except RuntimeError:
        raise ValueError(f'device {device!r} is not a torch device; use cpu '
                         'or cuda') from None
    if device.type != 'cuda':
        return
    if not torch.cuda.is_available():
        why = 'this torch is a CPU build, without CUDA' \
            if torch.version.cuda is None else 'torch finds no CUDA GPU here'
        raise ValueError(f'device {device}: {why}; use --device cpu (or '
                         'run on a machine with a GPU)')
    count = torch.cuda.device_count()
    if device.index is not None and device.index >= count:
        raise ValueError(f'device {device}: this machine has {count} CUDA '
                         f'GPU(s), cuda:0 to cuda:{count - 1}; choose one')
