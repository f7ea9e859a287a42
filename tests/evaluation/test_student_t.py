"""Student's t in numpy against its closed forms (1 and 2 degrees of
freedom), the normal limit and textbook quantiles."""
import numpy as np
import pytest

from mmseg_hsp.evaluation.student_t import betainc, t_ppf, t_sf

T = np.array([0.0, 0.5, 1.0, 3.0, 10.0, 100.0])


def test_tail_of_one_and_two_degrees_of_freedom():
    # df 1 is Cauchy's; df 2 has 1/2 (1 - t / sqrt(t^2 + 2)).
    np.testing.assert_allclose(t_sf(T, 1), 0.5 - np.arctan(T) / np.pi,
                               atol=1e-12)
    np.testing.assert_allclose(t_sf(T, 2),
                               0.5 * (1 - T / np.sqrt(T * T + 2)),
                               atol=1e-12)
    assert t_sf(-1.0, 1) == pytest.approx(0.75)


def test_normal_limit_and_quantiles():
    # Degrees of freedom are capped at 1e4: normal to 2e-5 here.
    assert t_sf(1.959964, 1e6) == pytest.approx(0.025, abs=2e-5)
    np.testing.assert_allclose(
        t_ppf(0.975, [1, 2, 4, 10]), [12.7062, 4.3027, 2.7764, 2.2281],
        atol=1e-4)
    q = t_ppf(1 - 0.05 / 56, 2.5)
    assert t_sf(q, 2.5) == pytest.approx(0.05 / 56, rel=1e-6)


def test_betainc_edges_and_symmetry():
    assert betainc(2, 3, 0) == 0 and betainc(2, 3, 1) == 1
    # I_x(1, 1) = x; I_x(a, b) = 1 - I_(1-x)(b, a).
    np.testing.assert_allclose(betainc(1, 1, [0.2, 0.7]), [0.2, 0.7])
    assert betainc(2.5, 0.5, 0.3) == pytest.approx(1 - betainc(0.5, 2.5, 0.7))
