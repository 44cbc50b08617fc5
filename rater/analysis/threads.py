"""BLAS on one thread for numeric work made of many small steps."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def one_thread(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` with BLAS on one thread: for many small factorisations (a sampler's steps,
    a pairing strategy's refits), OpenBLAS's threads were 30 times slower on a busy 2-core
    machine (a 155 x 155 Cholesky: 2.5 ms instead of 0.13 ms). The limit holds for libraries
    loaded before it is set, hence the imports."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        import scipy.linalg  # noqa: F401  (its OpenBLAS, loaded before the limit)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):
            return func(*args, **kwargs)

    return wrapper
