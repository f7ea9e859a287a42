"""Bounded read-ahead: compute the next results in a worker thread."""
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Iterator, TypeVar

Item = TypeVar('Item')
Result = TypeVar('Result')


def read_ahead(function: Callable[[Item], Result], items: Iterable[Item],
               depth: int) -> Iterator[Result]:
    """``function(item)`` for each item, in order, computed ahead.

    One worker thread runs ``function`` on the items in order, so a
    stateful ``function`` (a slide read row by row) sees them as a plain
    loop would, while the caller works on earlier results. At most
    ``depth`` results wait beyond the one the caller holds, which bounds
    memory. With ``depth`` 0 there is no worker: each result is computed in
    the caller's thread when it is taken. ``items`` is iterated by the
    caller's thread, so read-aheads chain (reads ahead of the model, the
    model ahead of the blender).
    An exception of ``function`` is raised where its result is taken.

    Args:
        function (callable): Maps an item to its result; runs in the
            worker thread (enter thread-local torch contexts, such as
            ``no_grad`` and autocast, inside it).
        items (Iterable): The inputs.
        depth (int): Results computed ahead (>= 0).

    Yields:
        The results, in the order of ``items``.
    """
    if not (isinstance(depth, int) and depth >= 0):
        raise ValueError(f'read-ahead depth must be an int >= 0, got '
                         f'{depth!r}')
    if depth == 0:
        yield from map(function, items)
        return
    pending = deque()
    with ThreadPoolExecutor(max_workers=1) as worker:
        try:
            for item in items:
                pending.append(worker.submit(function, item))
                if len(pending) > depth:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:  # the caller stopped early or failed: drop queued work
            for future in pending:
                future.cancel()
