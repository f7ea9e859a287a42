"""Student's t distribution in numpy: its tail and its quantiles.

The test that tells rows of Table 5 apart (:mod:`.bootstrap`) refers a
difference over its standard error to a t distribution: with three seeds a
row's spread is itself uncertain, and a normal reference would call far too
many pairs apart. SciPy is not a dependency of the package, so the tail is
computed here, vectorised, from the regularised incomplete beta function
(its continued fraction, as in Numerical Recipes, 6.4).
"""
import math

import numpy as np

# Beyond this many degrees of freedom t is normal to within 1e-4 in the
# tails used here; capping them keeps the continued fraction short.
MAX_DF = 1e4
# Continued-fraction terms: enough for a, b <= MAX_DF / 2 (it converges in
# O(sqrt(max(a, b))) terms).
TERMS = 300
TINY = 1e-300

_lgamma = np.frompyfunc(math.lgamma, 1, 1)


def _lgamma_array(x: np.ndarray) -> np.ndarray:
    return np.asarray(_lgamma(x), dtype=float)


def _continued_fraction(a, b, x):
    """The continued fraction of the incomplete beta function (Lentz)."""

    def guard(v):
        return np.where(np.abs(v) < TINY, TINY, v)

    c = np.ones_like(x)
    d = 1 / guard(1 - (a + b) * x / (a + 1))
    h = d
    for m in range(1, TERMS + 1):
        for numerator in (m * (b - m) * x / ((a - 1 + 2 * m) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) *
                                                        (a + 1 + 2 * m))):
            d = 1 / guard(1 + numerator * d)
            c = guard(1 + numerator / c)
            h = h * d * c
    return h


def betainc(a, b, x) -> np.ndarray:
    """The regularised incomplete beta function I_x(a, b), elementwise.

    Args:
        a, b (array-like): Positive shape parameters.
        x (array-like): In [0, 1].

    Returns:
        np.ndarray: I_x(a, b), broadcast over the arguments.
    """
    a, b, x = np.broadcast_arrays(*(np.asarray(v, float) for v in (a, b, x)))
    # The fraction converges fast below the mean; above it, by symmetry.
    swap = x > (a + 1) / (a + b + 2)
    a, b, x = np.where(swap, b, a), np.where(swap, a, b), np.where(
        swap, 1 - x, x)
    with np.errstate(divide='ignore', invalid='ignore'):
        log_front = (a * np.log(x) + b * np.log1p(-x) + _lgamma_array(a + b) -
                     _lgamma_array(a) - _lgamma_array(b))
        value = np.exp(log_front) * _continued_fraction(a, b, x) / a
    value = np.where(x <= 0, 0.0, value)
    return np.where(swap, 1 - value, value)


def t_sf(t, df) -> np.ndarray:
    """P(T > t) for Student's t with ``df`` degrees of freedom.

    Args:
        t (array-like): Values.
        df (array-like): Degrees of freedom (> 0, need not be whole; capped
            at :data:`MAX_DF`).

    Returns:
        np.ndarray: The upper tail, broadcast over the arguments.
    """
    t, df = np.broadcast_arrays(np.asarray(t, float), np.asarray(df, float))
    df = np.minimum(df, MAX_DF)
    half = 0.5 * betainc(df / 2, 0.5, df / (df + t * t))
    return np.where(t >= 0, half, 1 - half)


def t_ppf(q, df, iterations: int = 60) -> np.ndarray:
    """The ``q`` quantile of Student's t (``q`` > 0.5), by bisection.

    Args:
        q (array-like): Probabilities in (0.5, 1).
        df (array-like): Degrees of freedom.
        iterations (int): Bisection steps on log t in [-10, 17].

    Returns:
        np.ndarray: t with ``t_sf(t, df) == 1 - q``.
    """
    q, df = np.broadcast_arrays(np.asarray(q, float), np.asarray(df, float))
    low, high = np.full(q.shape, -10.0), np.full(q.shape, 17.0)
    for _ in range(iterations):
        mid = (low + high) / 2
        above = t_sf(np.exp(mid), df) < 1 - q
        high, low = np.where(above, mid, high), np.where(above, low, mid)
    return np.exp((low + high) / 2)
