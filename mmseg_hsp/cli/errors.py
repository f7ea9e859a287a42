"""One ``<tool>: error: ...`` line (exit code 2) for a user's mistake.

A mistake in the config or the data is the user's to fix, and mmengine's,
mmseg's and the plugin's own messages name it (the missing file, the
unregistered type, the unexpected keyword, the bad mask): the traceback
through the tool adds nothing. A bug in the code is not the user's mistake
and keeps its traceback.
"""
import argparse
import os
import os.path as osp
import re
import signal
import sys
from contextlib import contextmanager
from typing import Tuple

import mmengine

from mmseg_hsp.arguments import ArgumentError
from mmseg_hsp.optional import MissingExtraError

# Where the config is parsed and its ``type`` names are looked up.
MMENGINE_CONFIG_CODE = tuple(
    osp.join(osp.dirname(mmengine.__file__), sub) + os.sep
    for sub in ('config', 'registry'))
# Python's messages for a call whose arguments (here: a config dict's keys)
# do not fit the signature.
SIGNATURE_MISMATCH = re.compile(
    r'unexpected keyword argument|missing \d+ required .*argument|'
    r'multiple values for argument|takes \d+ positional argument')

# What a wrong config raises while it is read and its runner (and model) is
# built, and while the run builds the rest (loops, dataloaders, evaluator)
# and reads the data: a missing file, a bad value, an unknown type name or
# key, an unexpected argument (the last two only as :func:`is_config_error`
# says), a broken mask or image (the datasets name the file), pretrained
# weights that cannot be downloaded, a config that needs an extra the user
# has not installed (stain augmentation without scikit-image).
CONFIG_ERRORS = (FileNotFoundError, KeyError, TypeError, ValueError,
                 SyntaxError, MissingExtraError)
# The exit code of a run stopped with Ctrl-C (128 + SIGINT), as shells use.
INTERRUPTED = 130
# ... and of one stopped with SIGTERM (128 + SIGTERM).
TERMINATED = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a scheduler's cancel, a container stop), raised
    as an interrupt by :func:`terminate_as_interrupt`."""


def _raise_terminated(signum, frame):
    raise Terminated()


def terminate_as_interrupt() -> None:
    """Make SIGTERM unwind the main thread as Ctrl-C does.

    Python's default for SIGTERM ends the process at once: no ``finally``
    runs, and the temporaries being written stay for the next run to clean
    up. Raised as :class:`Terminated` (a ``KeyboardInterrupt``), it runs
    every writer's cleanup on the way out.
    """
    signal.signal(signal.SIGTERM, _raise_terminated)


def stopped_by(stop: KeyboardInterrupt) -> Tuple[str, int]:
    """How a tool names what stopped it, and its exit code.

    Returns:
        tuple[str, int]: ``'terminated (SIGTERM)'`` and :data:`TERMINATED`
        for :class:`Terminated`, else ``'interrupted'`` and
        :data:`INTERRUPTED`.
    """
    if isinstance(stop, Terminated):
        return 'terminated (SIGTERM)', TERMINATED
    return 'interrupted', INTERRUPTED


def raised_in(error: BaseException) -> str:
    """The file of the innermost frame of ``error``'s traceback."""
    tb = error.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    return osp.abspath(tb.tb_frame.f_code.co_filename)


def is_config_error(error: BaseException) -> bool:
    """Whether a ``KeyError`` / ``TypeError`` comes from the config.

    Any code raises these for its own bugs (a missing dict key, a wrong
    call), so only two kinds are the config's: an error raised by mmengine
    while it parses the config or looks up a ``type`` (an unregistered name,
    a malformed dict), and a ``TypeError`` of a constructor whose keyword
    arguments, the config dict's keys, do not fit its signature. Other
    exception types pass.

    Args:
        error (BaseException): The exception raised.

    Returns:
        bool: False for a ``KeyError`` / ``TypeError`` of another origin.
    """
    if not isinstance(error, (KeyError, TypeError)):
        return True
    if raised_in(error).startswith(MMENGINE_CONFIG_CODE):
        return True
    return (isinstance(error, TypeError)
            and SIGNATURE_MISMATCH.search(str(error)) is not None)


def interrupted(error: BaseException) -> bool:
    """Whether ``error`` is Ctrl-C, or was raised while handling it.

    Library code that catches broadly turns a ``KeyboardInterrupt`` into
    its own error (mmengine's config formatting, run while a checkpoint is
    saved, raises a ``SyntaxError``); the interrupt is then its context.
    """
    while error is not None:
        if isinstance(error, KeyboardInterrupt):
            return True
        error = error.__cause__ or error.__context__
    return False


@contextmanager
def exit_on_error(parser: argparse.ArgumentParser, errors=CONFIG_ERRORS):
    """Turn user errors into one ``<tool>: error: ...`` line and exit 2.

    An error raised in a dataloader worker carries the worker's traceback in
    its message: its last line is the original error. A ``KeyError`` or
    ``TypeError`` that :func:`is_config_error` does not recognise keeps its
    traceback. An :class:`~mmseg_hsp.arguments.ArgumentError` of the API
    names the tool's flag for the keyword (``--amp fp16: ...``). Ctrl-C is
    one ``<tool>: interrupted`` line and exit code 130.
    Set ``MMSEG_HSP_DEBUG=1`` to see the traceback anyway.

    Args:
        parser (argparse.ArgumentParser): The tool's parser, which prints
            the error.
        errors (tuple[type]): The exception types to shorten. Defaults to
            :data:`CONFIG_ERRORS`.
    """
    try:
        yield
    except (KeyboardInterrupt, *errors) as e:
        if os.environ.get('MMSEG_HSP_DEBUG'):
            raise
        if interrupted(e):
            print(f'{parser.prog}: interrupted', file=sys.stderr)
            sys.exit(INTERRUPTED)
        if not is_config_error(e):
            raise
        lines = [line for line in str(e).splitlines() if line.strip()]
        if 'Original Traceback' in str(e):
            message = lines[-1].strip()
        elif isinstance(e, ArgumentError) and flag_of(parser, e.keyword):
            message = e.as_flag(flag_of(parser, e.keyword))
        else:
            message = f"{type(e).__name__}: {' '.join(' '.join(lines).split())}"
        parser.error(message)


def flag_of(parser: argparse.ArgumentParser, keyword: str):
    """The flag (``--work-dir``) or positional (``checkpoint``) of ``parser``
    that sets ``keyword``; None when none does.

    The API's keywords are the tools' ``dest`` names, so an
    :class:`~mmseg_hsp.arguments.ArgumentError` raised in the API names
    the flag the user typed.
    """
    for action in parser._actions:
        if action.dest == keyword:
            return max(action.option_strings, key=len, default=keyword)
    return None
