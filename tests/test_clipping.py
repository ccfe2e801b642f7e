"""Tests for gdguide.clipping: properties, edge cases, errors, and parity with PyTorch / optax."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from framework_support import require_framework
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gdguide import (
    ClipByNorm,
    ClipByValue,
    adaptive_clip,
    autoclip_threshold,
    clip_by_global_norm,
    clip_by_global_norm_,
    clip_by_norm,
    clip_by_value,
    clip_by_value_,
    clip_per_example,
)

PARITY = json.loads((Path(__file__).parent / "data" / "clipping_parity.json").read_text())
NORM_TYPES = [1.0, 2.0, math.inf]


def decode(record: dict) -> np.ndarray:
    data = [float(v) for v in record["data"]]  # float("nan"), float("inf") from the strings
    return np.array(data, dtype=record["dtype"]).reshape(record["shape"])


def reference_norm(arrays: list[np.ndarray], p: float) -> float:
    flat = np.concatenate([np.asarray(a, np.float64).ravel() for a in arrays])
    return float(np.linalg.norm(flat, ord=p))


FLOAT_DTYPES = st.sampled_from([np.float32, np.float64])


def float_arrays(dtype=FLOAT_DTYPES, max_dims=3):
    return dtype.flatmap(
        lambda dt: hnp.arrays(
            dt,
            hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=1, max_side=5),
            elements=st.floats(-1e3, 1e3, width=32),
        )
    )


gradient_lists = st.lists(float_arrays(), min_size=1, max_size=4)


def rtol_for(arrays) -> float:
    return 1e-5 if any(a.dtype == np.float32 for a in arrays) else 1e-12


# ------------------------------------------------------------------ properties of norm clipping


@given(gradient_lists, st.sampled_from(NORM_TYPES), st.floats(1.0, 100.0))
def test_clip_by_global_norm_is_identity_below_threshold(grads, p, factor):
    total = reference_norm(grads, p)
    clipped, norm = clip_by_global_norm(grads, total * factor + 1e-3, norm_type=p)
    assert norm == pytest.approx(total, rel=rtol_for(grads), abs=1e-12)
    for before, after in zip(grads, clipped, strict=True):
        np.testing.assert_array_equal(after, before)


@given(gradient_lists, st.sampled_from(NORM_TYPES), st.floats(0.01, 0.99))
def test_clip_by_global_norm_result_has_norm_equal_to_threshold(grads, p, fraction):
    total = reference_norm(grads, p)
    assume(total > 1e-3)
    clipped, _ = clip_by_global_norm(grads, fraction * total, norm_type=p)
    assert reference_norm(clipped, p) == pytest.approx(fraction * total, rel=rtol_for(grads))


@given(gradient_lists, st.floats(0.01, 0.99))
def test_clip_by_global_norm_is_idempotent(grads, fraction):
    total = reference_norm(grads, 2.0)
    assume(total > 1e-3)
    once, _ = clip_by_global_norm(grads, fraction * total)
    twice, _ = clip_by_global_norm(once, fraction * total)
    for a, b in zip(once, twice, strict=True):
        np.testing.assert_allclose(b, a, rtol=rtol_for(grads), atol=0)


@given(float_arrays(), st.floats(0.01, 0.99))
def test_clip_by_norm_keeps_direction(grad, fraction):
    norm = float(np.linalg.norm(grad.astype(np.float64)))
    assume(norm > 1e-3)
    clipped, returned = clip_by_norm(grad, fraction * norm)
    assert returned == pytest.approx(norm, rel=rtol_for([grad]))
    np.testing.assert_allclose(
        clipped, grad * np.float64(fraction), rtol=rtol_for([grad]), atol=1e-30
    )
    # Same signs entry by entry, except where the scaled entry underflows to zero (a subnormal
    # float32 such as 1e-45 times 0.5 rounds to 0).
    smallest = np.finfo(grad.dtype).smallest_normal
    representable = np.abs(grad.astype(np.float64) * fraction) >= smallest
    assert np.all(np.sign(clipped) * np.sign(grad) >= 0)
    assert np.all(np.sign(clipped)[representable] == np.sign(grad)[representable])


def test_clip_by_global_norm_uses_one_coefficient_for_all_arrays():
    grads = [np.array([3.0, 0.0]), np.array([[4.0]]), np.array(12.0)]
    clipped, norm = clip_by_global_norm(grads, 6.5)
    assert norm == 13.0
    for before, after in zip(grads, clipped, strict=True):
        np.testing.assert_allclose(after, before * 0.5, rtol=1e-15)
        assert after.shape == before.shape


@pytest.mark.parametrize("p", [1.0, 2.0, math.inf, "inf", 1, 2])
def test_norm_types_match_numpy_norm_of_all_entries(p):
    rng = np.random.default_rng(3)
    grads = [rng.standard_normal((7, 3)), rng.standard_normal(11), rng.standard_normal((2, 2, 2))]
    order = math.inf if p == "inf" else float(p)
    _, norm = clip_by_global_norm(grads, 1e9, norm_type=p)
    assert norm == pytest.approx(reference_norm(grads, order), rel=1e-13)


@pytest.mark.parametrize("p", NORM_TYPES)
def test_in_place_and_copying_global_norm_agree(p):
    rng = np.random.default_rng(4)
    grads = [
        rng.standard_normal((5, 4)).astype(np.float32),
        rng.standard_normal(9).astype(np.float32),
    ]
    copies, norm = clip_by_global_norm(grads, 0.7, norm_type=p)
    assert clip_by_global_norm_(grads, 0.7, norm_type=p) == norm
    for a, b in zip(grads, copies, strict=True):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ by value


@given(float_arrays(), st.floats(1e-3, 1e3))
def test_clip_by_value_bounds_every_entry_and_keeps_small_ones(grad, c):
    clipped = clip_by_value(grad, c)
    c_in_dtype = grad.dtype.type(c)
    assert np.all(np.abs(clipped) <= c_in_dtype)
    inside = np.abs(grad) <= c_in_dtype
    np.testing.assert_array_equal(clipped[inside], grad[inside])
    assert clipped.dtype == grad.dtype


def test_clip_by_value_rotates_100_1_by_44_4_degrees():
    g = np.array([100.0, 1.0])
    clipped = clip_by_value(g, 0.5)
    assert clipped.tolist() == [0.5, 0.5]
    angle = np.degrees(np.arccos(g @ clipped / (np.linalg.norm(g) * np.linalg.norm(clipped))))
    assert angle == pytest.approx(44.427, abs=1e-3)
    by_norm, _ = clip_by_norm(g, 0.5)
    assert np.degrees(np.arccos(g @ by_norm / (np.linalg.norm(g) * np.linalg.norm(by_norm)))) < 1e-6


def test_clip_by_value_keeps_nan_and_maps_inf_to_bound():
    g = np.array([np.nan, np.inf, -np.inf, 0.0, -0.5, 0.25])
    out = clip_by_value(g, 0.5)
    assert np.isnan(out[0])
    assert out[1:].tolist() == [0.5, -0.5, 0.0, -0.5, 0.25]


def test_clip_by_value_keeps_structure():
    single = clip_by_value(np.ones(3), 0.5)
    assert isinstance(single, np.ndarray)
    many = clip_by_value((np.ones(3), np.ones((2, 2), np.float32)), 0.5)
    assert isinstance(many, list) and [m.shape for m in many] == [(3,), (2, 2)]
    assert many[1].dtype == np.float32


def test_clip_by_value_in_place_returns_none_and_modifies_arrays():
    a, b = np.array([2.0, -3.0, 0.1]), np.array([[np.inf]], np.float32)
    assert clip_by_value_([a, b], 1.0) is None
    assert a.tolist() == [1.0, -1.0, 0.1] and b.tolist() == [[1.0]] and b.dtype == np.float32


# ------------------------------------------------------------------ edge cases


@pytest.mark.parametrize("eps", [0.0, 1e-6])
def test_zero_gradient_is_unchanged_by_every_clip(eps):
    zeros = [np.zeros(3), np.zeros((2, 2), np.float32)]
    clipped, norm = clip_by_global_norm(zeros, 1.0, eps=eps)
    assert norm == 0.0 and all(not c.any() for c in clipped)
    assert clip_by_norm(np.zeros(4), 1.0, eps=eps)[0].tolist() == [0.0] * 4
    assert clip_by_global_norm_(zeros, 1.0, eps=eps) == 0.0
    assert not adaptive_clip(np.zeros((3, 2)), np.ones((3, 2)), 0.01).any()
    total, norms = clip_per_example(np.zeros((4, 3)), 1.0)
    assert not total.any() and not norms.any()


@pytest.mark.parametrize("p", NORM_TYPES)
def test_norm_exactly_at_threshold_is_unchanged_without_eps(p):
    g = [np.array([3.0, 4.0], np.float32)]
    threshold = reference_norm(g, p)
    clipped, norm = clip_by_global_norm(g, threshold, norm_type=p)
    assert norm == threshold
    np.testing.assert_array_equal(clipped[0], g[0])


def test_norm_at_threshold_shrinks_slightly_with_pytorch_eps():
    clipped, _ = clip_by_global_norm([np.array([3.0, 4.0], np.float32)], 5.0, eps=1e-6)
    assert clipped[0].dtype == np.float32
    assert clipped[0].tolist() == [np.float32(2.9999993).item(), np.float32(3.999999).item()]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_norm_raises_by_default_before_modifying(bad):
    a = np.array([1.0, bad])
    b = np.array([2.0])
    for call in (
        lambda: clip_by_global_norm([a, b], 1.0),
        lambda: clip_by_global_norm_([a, b], 1.0),
        lambda: clip_by_norm(a, 1.0),
        lambda: ClipByNorm(1.0)(a),
        lambda: clip_per_example(np.stack([a, b.repeat(2)]), 1.0),
    ):
        with pytest.raises(ValueError, match="non-finite"):
            call()
    assert b.tolist() == [2.0] and a[0] == 1.0


def test_nan_norm_makes_every_entry_nan_when_allowed():
    grads = [np.array([1.0, np.nan]), np.array([5.0], np.float32)]
    clipped, norm = clip_by_global_norm(grads, 1.0, error_if_nonfinite=False)
    assert math.isnan(norm)
    assert all(np.isnan(c).all() for c in clipped)
    assert clip_by_global_norm_(grads, 1.0, error_if_nonfinite=False) != 0.0
    assert all(np.isnan(g).all() for g in grads)


@pytest.mark.parametrize("eps", [0.0, 1e-6])
def test_inf_norm_zeroes_finite_entries_and_nans_infinite_ones_when_allowed(eps):
    grads = [np.array([1.0, np.inf, -2.0]), np.array([3.0], np.float32)]
    clipped, norm = clip_by_global_norm(grads, 1.0, eps=eps, error_if_nonfinite=False)
    assert norm == math.inf
    assert clipped[0][0] == 0.0 and np.isnan(clipped[0][1]) and clipped[0][2] == 0.0
    assert clipped[1].tolist() == [0.0]


def test_inf_norm_type_reports_max_abs_and_nan_beats_inf():
    assert (
        clip_by_global_norm([np.array([1.0, -7.0]), np.array([3.0])], 100.0, norm_type="inf")[1]
        == 7.0
    )
    nan_and_inf = [np.array([np.inf]), np.array([np.nan])]
    for p in NORM_TYPES:
        assert math.isnan(
            clip_by_global_norm(nan_and_inf, 1.0, norm_type=p, error_if_nonfinite=False)[1]
        )


def test_empty_gradient_list_raises_unlike_pytorch():
    for call in (
        lambda: clip_by_global_norm([], 1.0),
        lambda: clip_by_global_norm_([], 1.0),
        lambda: clip_by_value([], 1.0),
        lambda: clip_by_value_([], 1.0),
        lambda: clip_per_example([], 1.0),
    ):
        with pytest.raises(ValueError, match="empty"):
            call()


def test_float32_norm_does_not_overflow_or_underflow():
    big = [np.array([1e30, 1e30], np.float32)]
    clipped, norm = clip_by_global_norm(big, 1.0)
    assert norm == pytest.approx(math.sqrt(2) * 1e30, rel=1e-6)
    np.testing.assert_allclose(clipped[0], [2**-0.5] * 2, rtol=1e-6)
    tiny = np.full(4, 1e-30, np.float32)
    assert clip_by_norm(tiny, 1.0)[1] == pytest.approx(2e-30, rel=1e-6)
    huge64 = np.array([3e200, 4e200])
    assert clip_by_norm(huge64, 1.0)[1] == pytest.approx(5e200, rel=1e-14)


def test_large_float32_norm_is_accurate():
    rng = np.random.default_rng(5)
    g = (np.abs(rng.standard_normal(3_000_000)) + 1.0).astype(np.float32)
    exact = math.sqrt(math.fsum(np.square(g.astype(np.float64))))
    assert clip_by_norm(g, 1.0)[1] == pytest.approx(exact, rel=1e-7)


# ------------------------------------------------------------------ copies, in place, dtypes


@given(gradient_lists, st.floats(0.01, 10.0))
def test_copying_variants_never_modify_inputs(grads, max_norm):
    saved = [g.copy() for g in grads]
    clipped, _ = clip_by_global_norm(grads, max_norm)
    clip_by_norm(grads[0], max_norm)
    clip_by_value(grads, max_norm)
    adaptive_clip(grads, [np.ones_like(g) for g in grads], 0.01)
    for g, s, c in zip(grads, saved, clipped, strict=True):
        np.testing.assert_array_equal(g, s)
        assert not np.shares_memory(c, g)


@given(gradient_lists, st.floats(0.01, 10.0))
def test_in_place_global_norm_modifies_the_same_arrays(grads, max_norm):
    expected, norm = clip_by_global_norm(grads, max_norm)
    ids = [id(g) for g in grads]
    assert clip_by_global_norm_(grads, max_norm) == norm
    assert [id(g) for g in grads] == ids
    for g, e in zip(grads, expected, strict=True):
        np.testing.assert_array_equal(g, e)


def test_in_place_clip_works_on_non_contiguous_views():
    base = np.arange(24, dtype=np.float64).reshape(4, 6)
    view = base[:, ::2].T
    expected, _ = clip_by_global_norm([view.copy()], 1.0)
    clip_by_global_norm_([view], 1.0)
    np.testing.assert_allclose(view, expected[0], rtol=1e-15)
    assert base[0, 1] == 1.0  # entries outside the view are untouched


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_is_kept(dtype):
    g = np.array([[3.0, 4.0], [0.0, 12.0]], dtype)
    assert clip_by_global_norm([g], 1.0)[0][0].dtype == dtype
    assert clip_by_norm(g, 1.0)[0].dtype == dtype
    assert clip_by_value(g, 1.0).dtype == dtype
    assert adaptive_clip(g, g, 0.01).dtype == dtype
    assert clip_per_example(g, 1.0)[0].dtype == dtype
    clip_by_global_norm_([g], 1.0)
    assert g.dtype == dtype
    np.testing.assert_allclose(np.linalg.norm(g.astype(np.float64)), 1.0, rtol=2e-3)


def test_integer_input_is_converted_to_float64():
    clipped, norm = clip_by_norm([3, 4], 1.0)
    assert clipped.dtype == np.float64 and norm == 5.0


# ------------------------------------------------------------------ AGC


def test_adaptive_clip_on_zero_weights_allows_steps_up_to_clipping_times_eps():
    g = np.array([[3.0, 0.0], [4.0, 1e-6]])
    out = adaptive_clip(g, np.zeros_like(g), 0.1, eps=1e-3)
    unit_norms = np.linalg.norm(out, axis=0)
    assert unit_norms[0] == pytest.approx(1e-4, rel=1e-12)  # clipped to lambda * eps
    assert out[1, 1] == 1e-6  # below lambda * eps: kept


def test_adaptive_clip_bounds_each_unit_relative_to_its_weights():
    rng = np.random.default_rng(6)
    w, g = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    out = adaptive_clip(g, w, 0.3)
    ratio = np.linalg.norm(out, axis=0) / np.maximum(np.linalg.norm(w, axis=0), 1e-3)
    assert np.all(ratio <= 0.3 * (1 + 1e-12))
    kept = np.linalg.norm(g, axis=0) <= 0.3 * np.linalg.norm(w, axis=0)
    np.testing.assert_array_equal(out[:, kept], g[:, kept])
    cos = np.sum(out * g, axis=0) / (np.linalg.norm(out, axis=0) * np.linalg.norm(g, axis=0))
    np.testing.assert_allclose(cos, 1.0, rtol=1e-12)  # direction of every unit kept


def test_adaptive_clip_output_axis_zero_is_the_transposed_layout():
    rng = np.random.default_rng(8)
    w, g = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    flax = adaptive_clip(g, w, 0.1)
    torch_layout = adaptive_clip(g.T, w.T, 0.1, output_axis=0)
    np.testing.assert_allclose(torch_layout, flax.T, rtol=1e-15)


def test_adaptive_clip_treats_vectors_and_scalars_as_one_unit():
    g, w = np.array([3.0, 4.0]), np.array([1.0, 0.0])
    np.testing.assert_allclose(adaptive_clip(g, w, 0.5), [0.3, 0.4], rtol=1e-15)
    assert float(adaptive_clip(np.array(2.0), np.array(-1.0), 0.5)) == 0.5


def test_adaptive_clip_keeps_list_structure_and_checks_shapes():
    out = adaptive_clip([np.ones(2), np.ones((2, 3))], [np.ones(2), np.ones((2, 3))], 1.0)
    assert isinstance(out, list) and len(out) == 2
    with pytest.raises(ValueError, match=r"grads\[1\].*params\[1\]"):
        adaptive_clip([np.ones(2), np.ones((2, 3))], [np.ones(2), np.ones((3, 2))], 1.0)
    with pytest.raises(ValueError, match="params"):
        adaptive_clip([np.ones(2)], [np.ones(2), np.ones(2)], 1.0)
    with pytest.raises(ValueError, match="output_axis"):
        adaptive_clip(np.ones((2, 3)), np.ones((2, 3)), 1.0, output_axis=2)


# ------------------------------------------------------------------ per example


@given(
    st.integers(1, 6).flatmap(
        lambda b: st.lists(
            hnp.arrays(
                np.float64, st.tuples(st.just(b), st.integers(1, 3)), elements=st.floats(-10, 10)
            ),
            min_size=1,
            max_size=3,
        )
    ),
    st.floats(0.1, 10.0),
)
def test_clip_per_example_sums_individually_clipped_examples(grads, c):
    total, norms = clip_per_example(grads, c)
    for b in range(grads[0].shape[0]):
        example = [g[b] for g in grads]
        assert norms[b] == pytest.approx(reference_norm(example, 2.0), rel=1e-12)
    expected = [
        sum(clip_by_global_norm([g[b] for g in grads], c)[0][k] for b in range(len(norms)))
        for k in range(len(grads))
    ]
    for t, e in zip(total, expected, strict=True):
        np.testing.assert_allclose(t, e, rtol=1e-12, atol=1e-12)


def test_clip_per_example_single_array_and_errors():
    g = np.array([[3.0, 4.0], [0.3, 0.4]])
    total, norms = clip_per_example(g, 1.0)
    np.testing.assert_allclose(total, [0.9, 1.2], rtol=1e-15)
    assert norms.tolist() == [5.0, 0.5] and int(np.count_nonzero(norms > 1.0)) == 1
    with pytest.raises(ValueError, match=r"per_example_grads\[1\]"):
        clip_per_example([np.ones((3, 2)), np.ones((2, 2))], 1.0)
    with pytest.raises(ValueError, match="per_example_grads"):
        clip_per_example(np.array(1.0), 1.0)
    nan_total, _ = clip_per_example(
        np.array([[np.nan, 1.0], [1.0, 1.0]]), 1.0, error_if_nonfinite=False
    )
    # as in optax, a NaN example is added unscaled: NaN where it is NaN, finite entries as they are
    assert np.isnan(nan_total[0]) and nan_total[1] == pytest.approx(1.0 + 0.5**0.5, rel=1e-15)
    inf_total, _ = clip_per_example(
        np.array([[np.inf, 1.0], [1.0, 0.0]]), 2.0, error_if_nonfinite=False
    )
    assert np.isnan(inf_total[0]) and inf_total[1] == 0.0


# ------------------------------------------------------------------ AutoClip


def test_autoclip_threshold_is_the_percentile_of_the_history():
    history = np.arange(1.0, 101.0)
    assert autoclip_threshold(history) == pytest.approx(np.percentile(history, 10))
    assert autoclip_threshold(history, 0) == 1.0 and autoclip_threshold(history, 100) == 100.0
    assert autoclip_threshold([2.5]) == 2.5


@pytest.mark.parametrize(
    ("history", "percentile", "match"),
    [
        ([], 10.0, "norm_history"),
        ([1.0, np.nan], 10.0, "norm_history"),
        ([1.0, np.inf], 10.0, "norm_history"),
        ([1.0, -1.0], 10.0, "norm_history"),
        ([1.0], -1.0, "percentile"),
        ([1.0], 100.5, "percentile"),
        ([1.0], np.nan, "percentile"),
    ],
)
def test_autoclip_threshold_rejects_bad_input(history, percentile, match):
    with pytest.raises(ValueError, match=match):
        autoclip_threshold(history, percentile)


# ------------------------------------------------------------------ argument errors


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: clip_by_value(np.ones(2), 0.0), ValueError, "clip_value"),
        (lambda: clip_by_value(np.ones(2), np.inf), ValueError, "clip_value"),
        (lambda: clip_by_value(np.array(["a"]), 1.0), TypeError, "grads"),
        (lambda: clip_by_value([np.ones(2), "x"], 1.0), TypeError, r"grads\[1\]"),
        (lambda: clip_by_value_(np.arange(3), 1.0), TypeError, "grads"),
        (lambda: clip_by_value_([[1.0, 2.0]], 1.0), TypeError, r"grads\[0\]"),
        (lambda: clip_by_norm(np.ones(2), -1.0), ValueError, "max_norm"),
        (lambda: clip_by_norm(np.ones(2), "1"), TypeError, "max_norm"),
        (lambda: clip_by_norm(np.ones(2), 1.0, norm_type=3), ValueError, "norm_type"),
        (lambda: clip_by_norm(np.ones(2), 1.0, norm_type="fro"), ValueError, "norm_type"),
        (lambda: clip_by_norm(np.ones(2), 1.0, eps=-1e-6), ValueError, "eps"),
        (
            lambda: clip_by_norm(np.ones(2), 1.0, error_if_nonfinite="no"),
            TypeError,
            "error_if_nonfinite",
        ),
        (lambda: clip_by_norm(np.array([1 + 1j]), 1.0), TypeError, "grad"),
        (lambda: clip_by_norm([np.ones(2), np.ones(3)], 1.0), TypeError, "grad must be one"),
        (lambda: clip_by_global_norm("abc", 1.0), TypeError, "grads"),
        (lambda: clip_by_global_norm([np.ones(2)], np.nan), ValueError, "max_norm"),
        (lambda: clip_by_global_norm_(np.ones(2).tolist(), 1.0), TypeError, r"grads\[0\]"),
        (lambda: adaptive_clip(np.ones(2), np.ones(2), 0.0), ValueError, "clipping"),
        (lambda: adaptive_clip(np.ones(2), np.ones(2), 1.0, eps=-1.0), ValueError, "eps"),
        (lambda: adaptive_clip(np.ones(2), np.ones(3), 1.0), ValueError, "params"),
        (lambda: clip_per_example(np.ones((2, 2)), 0.0), ValueError, "max_norm"),
        (lambda: ClipByValue(-1.0), ValueError, "clip_value"),
        (lambda: ClipByNorm(0.0), ValueError, "max_norm"),
        (lambda: ClipByNorm(1.0, norm_type=0.5), ValueError, "norm_type"),
    ],
)
def test_bad_input_errors_name_the_parameter(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_in_place_rejects_read_only_and_repeated_arrays():
    frozen = np.ones(3)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        clip_by_global_norm_([frozen], 1.0)
    a = np.ones(3)
    with pytest.raises(ValueError, match="twice"):
        clip_by_global_norm_([a, a], 1.0)
    assert a.tolist() == [1.0, 1.0, 1.0]


# ------------------------------------------------------------------ rule objects


def test_rule_objects_match_the_functions_and_are_frozen():
    g = np.array([[3.0, -40.0], [0.5, 12.0]], np.float32)
    np.testing.assert_array_equal(ClipByValue(2.0)(g), clip_by_value(g, 2.0))
    rule = ClipByNorm(2.0, norm_type="inf", eps=1e-6)
    assert rule.norm_type == math.inf
    np.testing.assert_array_equal(rule(g), clip_by_norm(g, 2.0, norm_type="inf", eps=1e-6)[0])
    with pytest.raises(AttributeError):
        rule.max_norm = 3.0  # type: ignore[misc]
    out = ClipByNorm(1.0, error_if_nonfinite=False)(np.array([np.nan, 1.0]))
    assert np.isnan(out).all()


# ------------------------------------------------------------------ parity with recorded frameworks


def _inputs(name: str) -> list[np.ndarray]:
    return [decode(r) for r in PARITY["inputs"][name]]


def _close(actual: np.ndarray, expected: np.ndarray) -> None:
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    rtol = 1e-12 if actual.dtype == np.float64 else 3e-7
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=0, equal_nan=True)


@pytest.mark.parametrize(
    "case", PARITY["clip_grad_norm"], ids=lambda c: f"{c['input']}-{c['max_norm']}-{c['norm_type']}"
)
def test_eps_1e_6_reproduces_torch_clip_grad_norm(case):
    grads = _inputs(case["input"])
    kwargs = {"norm_type": case["norm_type"], "eps": 1e-6}
    clipped, norm = clip_by_global_norm(grads, case["max_norm"], error_if_nonfinite=False, **kwargs)
    torch_norm = float(decode(case["total_norm"]))
    assert norm == pytest.approx(torch_norm, rel=3e-7, nan_ok=True)
    for ours, theirs in zip(clipped, case["clipped"], strict=True):
        _close(ours, decode(theirs))
    if case["raises_if_nonfinite"]:
        with pytest.raises(ValueError, match="non-finite"):
            clip_by_global_norm(grads, case["max_norm"], **kwargs)
    else:
        clip_by_global_norm(grads, case["max_norm"], **kwargs)


def test_torch_at_threshold_case_is_bit_exact():
    case = next(c for c in PARITY["clip_grad_norm"] if c["input"] == "at_threshold_f32")
    clipped, _ = clip_by_global_norm(_inputs("at_threshold_f32"), 5.0, eps=1e-6)
    np.testing.assert_array_equal(clipped[0], decode(case["clipped"][0]))


@pytest.mark.parametrize(
    "case", PARITY["optax_clip_by_global_norm"], ids=lambda c: f"{c['input']}-{c['max_norm']}"
)
def test_default_reproduces_optax_clip_by_global_norm(case):
    clipped, norm = clip_by_global_norm(
        _inputs(case["input"]), case["max_norm"], error_if_nonfinite=False
    )
    assert norm == pytest.approx(float(decode(case["total_norm"])), rel=3e-7, nan_ok=True)
    for ours, theirs in zip(clipped, case["clipped"], strict=True):
        _close(ours, decode(theirs))


@pytest.mark.parametrize("record", PARITY["clip_grad_value"], ids=lambda r: r["input"]["dtype"])
def test_clip_by_value_reproduces_torch_clip_grad_value(record):
    g = decode(record["input"])
    expected = decode(record["clipped"])
    np.testing.assert_array_equal(clip_by_value(g, record["clip_value"]), expected)
    clip_by_value_(g, record["clip_value"])
    np.testing.assert_array_equal(g, expected)


OPTAX_AXES = {"multihead": (1, 2)}  # optax reduces only axis 0 of 3-D arrays


@pytest.mark.parametrize(
    "record", PARITY["optax_adaptive_grad_clip"], ids=lambda r: r["grads"]["dense"]["dtype"]
)
def test_adaptive_clip_reproduces_optax_adaptive_grad_clip(record):
    for name, expected in record["clipped"].items():
        g, w = decode(record["grads"][name]), decode(record["params"][name])
        axis = OPTAX_AXES.get(name, -1)
        ours = adaptive_clip(g, w, record["clipping"], eps=record["eps"], output_axis=axis)
        _close(ours, decode(expected))


@pytest.mark.parametrize(
    "record", PARITY["optax_per_example_global_norm_clip"], ids=lambda r: r["grads"][0]["dtype"]
)
def test_clip_per_example_reproduces_optax(record):
    grads = [decode(g) for g in record["grads"]]
    total, norms = clip_per_example(grads, record["max_norm"])
    for ours, theirs in zip(total, record["sum"], strict=True):
        expected = decode(theirs)
        rtol = 1e-12 if expected.dtype == np.float64 else 1e-6
        np.testing.assert_allclose(ours, expected, rtol=rtol)
    assert int(np.count_nonzero(norms > record["max_norm"])) == record["num_clipped"]


# ------------------------------------------------------------------ live comparisons


def _random_grads(seed: int, dtype) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = [tuple(rng.integers(1, 6, size=rng.integers(1, 4))) for _ in range(rng.integers(1, 6))]
    return [(rng.standard_normal(s) * 10.0 ** rng.integers(-2, 3)).astype(dtype) for s in shapes]


@pytest.mark.frameworks
@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("p", [1.0, 2.0, math.inf])
def test_live_torch_clip_grad_norm_matches_with_eps(seed, p):
    torch = require_framework("torch")
    for dtype in (np.float64, np.float32):
        grads = _random_grads(seed, dtype)
        max_norm = 0.3 * reference_norm(grads, p) if seed % 3 else 1e6
        params = []
        for g in grads:
            param = torch.nn.Parameter(torch.zeros(g.shape, dtype=getattr(torch, g.dtype.name)))
            param.grad = torch.from_numpy(g.copy())
            params.append(param)
        torch_norm = float(torch.nn.utils.clip_grad_norm_(params, max_norm, p, foreach=True))
        norm = clip_by_global_norm_(grads, max_norm, norm_type=p, eps=1e-6)
        assert norm == pytest.approx(torch_norm, rel=1e-6 if dtype == np.float32 else 1e-13)
        for ours, param in zip(grads, params, strict=True):
            _close(ours, param.grad.numpy())


@pytest.mark.frameworks
@pytest.mark.parametrize("seed", range(8))
def test_live_optax_global_norm_agc_and_per_example_match(seed):
    optax = require_framework("optax")
    jnp = require_framework("jax.numpy")

    grads = _random_grads(seed, np.float32)
    max_norm = 0.5 * reference_norm(grads, 2.0)
    tx = optax.clip_by_global_norm(max_norm)
    theirs, _ = tx.update([jnp.asarray(g) for g in grads], tx.init(grads))
    ours, _ = clip_by_global_norm(grads, max_norm)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-6)

    rng = np.random.default_rng(seed)
    g, w = (
        rng.standard_normal((3, 3, 4, 5)).astype(np.float32),
        rng.standard_normal((3, 3, 4, 5)).astype(np.float32),
    )
    agc = optax.adaptive_grad_clip(0.02)
    theirs_agc, _ = agc.update({"k": jnp.asarray(g)}, agc.init({"k": w}), {"k": jnp.asarray(w)})
    np.testing.assert_allclose(adaptive_clip(g, w, 0.02), np.asarray(theirs_agc["k"]), rtol=1e-5)

    batch = [
        rng.standard_normal((5, 3)).astype(np.float32),
        rng.standard_normal((5, 2, 2)).astype(np.float32),
    ]
    theirs_sum, clipped_count = optax.per_example_global_norm_clip(
        [jnp.asarray(b) for b in batch], 1.5
    )
    ours_sum, norms = clip_per_example(batch, 1.5)
    for a, b in zip(ours_sum, theirs_sum, strict=True):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-5, atol=1e-6)
    assert int(np.count_nonzero(norms > 1.5)) == int(clipped_count)


# ------------------------------------------------- just above and just below the threshold
#
# A norm (or entry) at c·(1 + δ) must be clipped to c and one at c·(1 − δ) kept as it is, for
# tiny δ too: a rule with a dead band (no clipping up to a few per cent above c) fails here.
# The thresholds are derived from the gradients' computed norms, so no rounding of a norm can
# move a case across the threshold.

BOUNDARY_DELTAS = [1e-9, 1e-6, 1e-3, 0.01, 0.03, 0.1]


def _boundary_grads(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in [(3,), (2, 4), ()]]


@pytest.mark.parametrize("delta", BOUNDARY_DELTAS)
@pytest.mark.parametrize("p", NORM_TYPES)
@pytest.mark.parametrize("seed", range(3))
def test_every_norm_clip_acts_just_above_the_threshold(delta, p, seed):
    grads = _boundary_grads(seed)
    c = reference_norm(grads, p) / (1 + delta)
    results = {
        "clip_by_global_norm": clip_by_global_norm(grads, c, norm_type=p)[0],
        "clip_by_norm": [
            clip_by_norm(grads[1], reference_norm([grads[1]], p) / (1 + delta), norm_type=p)[0]
        ],
        "ClipByNorm": [
            ClipByNorm(reference_norm([grads[1]], p) / (1 + delta), norm_type=p)(grads[1])
        ],
    }
    in_place = [g.copy() for g in grads]
    clip_by_global_norm_(in_place, c, norm_type=p)
    results["clip_by_global_norm_"] = in_place
    for name, clipped in results.items():
        before = grads if len(clipped) == len(grads) else [grads[1]]
        threshold = reference_norm(before, p) / (1 + delta)
        assert reference_norm(clipped, p) == pytest.approx(threshold, rel=1e-12), name
        ratio = [a / b for a, b in zip(clipped, before, strict=True)]
        np.testing.assert_allclose(
            np.concatenate([r.ravel() for r in ratio]), 1 / (1 + delta), rtol=1e-12, err_msg=name
        )


@pytest.mark.parametrize("delta", BOUNDARY_DELTAS)
@pytest.mark.parametrize("p", NORM_TYPES)
@pytest.mark.parametrize("seed", range(3))
def test_every_norm_clip_keeps_a_gradient_just_below_the_threshold(delta, p, seed):
    grads = _boundary_grads(seed)
    c = reference_norm(grads, p) / (1 - delta)
    c_single = reference_norm([grads[1]], p) / (1 - delta)
    in_place = [g.copy() for g in grads]
    clip_by_global_norm_(in_place, c, norm_type=p)
    for name, clipped, before in [
        ("clip_by_global_norm", clip_by_global_norm(grads, c, norm_type=p)[0], grads),
        ("clip_by_global_norm_", in_place, grads),
        ("clip_by_norm", [clip_by_norm(grads[1], c_single, norm_type=p)[0]], [grads[1]]),
        ("ClipByNorm", [ClipByNorm(c_single, norm_type=p)(grads[1])], [grads[1]]),
    ]:
        for a, b in zip(clipped, before, strict=True):
            np.testing.assert_array_equal(a, b, err_msg=name)


@pytest.mark.parametrize("delta", BOUNDARY_DELTAS)
def test_value_clips_act_just_above_the_bound_and_keep_entries_just_below(delta):
    c = 0.75
    grad = np.array([c * (1 + delta), -c * (1 + delta), c * (1 - delta), -c * (1 - delta), 0.0])
    expected = np.array([c, -c, c * (1 - delta), -c * (1 - delta), 0.0])
    in_place = grad.copy()
    clip_by_value_(in_place, c)
    for name, clipped in [
        ("clip_by_value", clip_by_value(grad, c)),
        ("clip_by_value_", in_place),
        ("ClipByValue", ClipByValue(c)(grad)),
    ]:
        np.testing.assert_array_equal(clipped, expected, err_msg=name)


@pytest.mark.parametrize("delta", BOUNDARY_DELTAS)
@pytest.mark.parametrize("seed", range(3))
def test_clip_per_example_clips_each_example_just_above_and_keeps_it_just_below(delta, seed):
    rng = np.random.default_rng(seed)
    directions = rng.standard_normal((4, 3, 2))
    unit = directions / np.linalg.norm(directions.reshape(4, -1), axis=1)[:, None, None]
    c = 1.7
    # examples 0, 1 just above c, 2, 3 just below
    factors = np.array([1 + delta, 1 + delta / 2, 1 - delta, 1 - delta / 2])
    grads = unit * (c * factors)[:, None, None]
    norms_before = np.linalg.norm(grads.reshape(4, -1), axis=1)
    scale = np.where(norms_before > c, c / norms_before, 1.0)
    total, norms = clip_per_example(grads, c)
    np.testing.assert_allclose(norms, norms_before, rtol=1e-14)
    assert np.count_nonzero(norms > c) == 2
    np.testing.assert_allclose(
        total, np.einsum("i,i...->...", scale, grads), rtol=1e-12, atol=1e-15
    )
    # and each example alone: clipped to norm c above, kept exactly below
    for b in range(4):
        alone, _ = clip_per_example(grads[b : b + 1], c)
        if factors[b] > 1:
            assert np.linalg.norm(alone) == pytest.approx(c, rel=1e-12)
        else:
            np.testing.assert_array_equal(alone, grads[b])


@pytest.mark.parametrize("delta", BOUNDARY_DELTAS)
@pytest.mark.parametrize("output_axis", [-1, 0])
def test_adaptive_clip_acts_just_above_each_units_bound_and_keeps_units_just_below(
    delta, output_axis
):
    rng = np.random.default_rng(7)
    w = rng.standard_normal((3, 4))
    lam = 0.05
    w_norms = np.linalg.norm(w, axis=0 if output_axis == -1 else 1)
    bounds = lam * np.maximum(w_norms, 1e-3)
    factors = np.array([1 + delta, 1 - delta, 1 + delta / 3, 1 - delta / 3])[: len(bounds)]
    g = rng.standard_normal(w.shape)
    g_norms = np.linalg.norm(g, axis=0 if output_axis == -1 else 1)
    scale = bounds * factors / g_norms
    g = g * (scale[None, :] if output_axis == -1 else scale[:, None])
    clipped = adaptive_clip(g, w, lam, output_axis=output_axis)
    new_norms = np.linalg.norm(clipped, axis=0 if output_axis == -1 else 1)
    g_norms = np.linalg.norm(g, axis=0 if output_axis == -1 else 1)
    above = g_norms > bounds
    assert above.tolist() == (factors > 1).tolist()
    np.testing.assert_allclose(new_norms[above], bounds[above], rtol=1e-12)
    kept = clipped[:, ~above] if output_axis == -1 else clipped[~above, :]
    orig = g[:, ~above] if output_axis == -1 else g[~above, :]
    np.testing.assert_array_equal(kept, orig)


def test_adaptive_clip_divides_by_at_least_1e_6_like_optax():
    # zero weights: bound = clipping * eps = 1e-5 * 1e-3 = 1e-8, far below optax's 1e-6 floor
    w = np.zeros(4)
    between = np.full(4, 2.5e-7)  # norm 5e-7: above the bound, below the floor
    np.testing.assert_allclose(adaptive_clip(between, w, 1e-5), between * 1e-8 / 1e-6, rtol=1e-12)
    above = np.full(4, 1e-6)  # norm 2e-6: above the floor, clipped to the bound exactly
    assert np.linalg.norm(adaptive_clip(above, w, 1e-5)) == pytest.approx(1e-8, rel=1e-12)
    at_bound = np.full(4, 0.5e-8)  # norm exactly 1e-8 = the bound: optax scales it by 1e-2
    np.testing.assert_allclose(adaptive_clip(at_bound, w, 1e-5), at_bound * 1e-2, rtol=1e-12)


def test_adaptive_clip_nan_makes_its_whole_unit_nan_like_optax():
    g = np.array([[np.nan, 1.0], [2.0, 3.0], [1.0, 1.0]])
    out = adaptive_clip(g, np.ones((3, 2)), 0.01)
    assert np.isnan(out[:, 0]).all() and np.isfinite(out[:, 1]).all()


@pytest.mark.frameworks
@pytest.mark.parametrize("g_scale", [3e-9, 5e-7, 1e-6, 3e-6, 1.0])
def test_live_optax_adaptive_grad_clip_matches_below_its_division_floor(g_scale):
    optax = require_framework("optax")
    jnp = require_framework("jax.numpy")
    rng = np.random.default_rng(3)
    w = np.concatenate([np.zeros((3, 2)), 1e-4 * rng.standard_normal((3, 2))], axis=1)
    g = g_scale * rng.standard_normal((3, 4))
    tx = optax.adaptive_grad_clip(1e-4, 1e-3)
    theirs, _ = tx.update([jnp.asarray(g)], tx.init([w]), [jnp.asarray(w)])
    np.testing.assert_allclose(adaptive_clip(g, w, 1e-4), np.asarray(theirs[0]), rtol=2e-6)
