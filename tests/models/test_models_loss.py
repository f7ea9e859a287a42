"""AdaptiveElasticLoss on hand-made pixels: reduction to cross-entropy, the
ordinal penalty, adaptive weighting, ignored pixels and mmseg's options."""
import math

import pytest
import torch
import torch.nn.functional as F

import mmseg_hsp  # noqa: F401 (registration)
from mmseg.models.losses import CrossEntropyLoss
from mmseg.registry import MODELS
from mmseg_hsp.models import AdaptiveElasticLoss

BACKGROUND, NORMAL, CIN1, CIN2, CIN3 = range(5)


def pixel_logits(probs):
    """Logits (1, C, 1, 1) whose softmax is ``probs``."""
    return torch.tensor(probs).log().view(1, -1, 1, 1)


def pixel_label(label):
    return torch.tensor([[[label]]])


def random_batch(seed=0, ignore_frac=0.3):
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(2, 5, 6, 7, generator=gen) * 3
    label = torch.randint(0, 5, (2, 6, 7), generator=gen)
    label[torch.rand(2, 6, 7, generator=gen) < ignore_frac] = 255
    return logits, label


def test_registered_with_loss_name():
    loss = MODELS.build(dict(type='AdaptiveElasticLoss'))
    assert isinstance(loss, AdaptiveElasticLoss)
    assert loss.loss_name == 'loss_ae'
    named = MODELS.build(dict(type='AdaptiveElasticLoss', loss_name='loss_x'))
    assert named.loss_name == 'loss_x'


@pytest.mark.parametrize('class_weight', [None, [0.5, 1.0, 2.0, 3.0, 1.5]])
def test_zero_elastic_weight_is_cross_entropy(class_weight):
    logits, label = random_batch()
    loss = AdaptiveElasticLoss(
        elastic_weight=0, class_weight=class_weight, avg_non_ignore=True)
    weight = None if class_weight is None else torch.tensor(class_weight)
    expected = F.cross_entropy(logits, label, weight=weight, ignore_index=255)
    torch.testing.assert_close(
        loss(logits, label, ignore_index=255), expected, rtol=1e-6, atol=0)


def test_zero_elastic_weight_matches_mmseg_mean_over_all_pixels():
    logits, label = random_batch(seed=1)
    ours = AdaptiveElasticLoss(elastic_weight=0, avg_non_ignore=False)
    mmseg_ce = CrossEntropyLoss(avg_non_ignore=False)
    torch.testing.assert_close(
        ours(logits, label, ignore_index=255),
        mmseg_ce(logits, label, ignore_index=255),
        rtol=1e-6,
        atol=0)


# Normal pixel, 0.1 on the truth and 0.6 on the wrong lesion class: the
# expected distance is 0.1*d(bg) + sum over CIN classes of p*rank/3.
@pytest.mark.parametrize('wrong, expected_distance', [
    (CIN1, 0.1 * 1 + 0.6 * 1 / 3 + 0.1 * 2 / 3 + 0.1 * 1),
    (CIN3, 0.1 * 1 + 0.1 * 1 / 3 + 0.1 * 2 / 3 + 0.6 * 1),
])
@pytest.mark.parametrize('gamma', [1.0, 2.0])
def test_hand_made_pixel_value(wrong, expected_distance, gamma):
    probs = [0.1] * 5
    probs[wrong] = 0.6
    loss = AdaptiveElasticLoss(elastic_weight=0.5, gamma=gamma)
    value = loss(pixel_logits(probs), pixel_label(NORMAL))
    expected = -math.log(0.1) + 0.5 * 0.9**gamma * expected_distance
    assert value.item() == pytest.approx(expected, rel=1e-6)


def test_far_lesion_costs_more_than_near_at_equal_confidence():
    loss = AdaptiveElasticLoss()
    costs = {}
    for wrong in (CIN1, CIN2, CIN3):
        probs = [0.05, 0.2, 0.05, 0.05, 0.05]
        probs[wrong] = 0.65
        costs[wrong] = loss(pixel_logits(probs), pixel_label(NORMAL)).item()
    assert costs[CIN1] < costs[CIN2] < costs[CIN3]
    # The cross-entropy alone cannot tell them apart.
    ce = AdaptiveElasticLoss(elastic_weight=0)
    ce_costs = {
        wrong: ce(pixel_logits(probs), pixel_label(NORMAL)).item()
        for wrong, probs in [(CIN1, [0.05, 0.2, 0.65, 0.05, 0.05]
                              ), (CIN3, [0.05, 0.2, 0.05, 0.05, 0.65])]
    }
    assert ce_costs[CIN1] == pytest.approx(ce_costs[CIN3], rel=1e-6)


def test_adaptive_weight_grows_with_how_wrong_the_pixel_is():
    """The extra term over CE grows faster than the expected distance."""
    loss = AdaptiveElasticLoss(gamma=2.0)
    ce = AdaptiveElasticLoss(elastic_weight=0)
    extras = []
    for p_true in (0.9, 0.5, 0.1):
        rest = (1 - p_true) / 4
        probs = [rest] * 5
        probs[CIN2] = p_true
        logits, label = pixel_logits(probs), pixel_label(CIN2)
        extras.append((loss(logits, label) - ce(logits, label)).item())
    # Distances from CIN2: bg 1, normal 2/3, CIN1 1/3, CIN3 1/3 (sum 7/3).
    expected = [(1 - p)**2 * (1 - p) / 4 * 7 / 3 for p in (0.9, 0.5, 0.1)]
    assert extras == pytest.approx(expected, rel=1e-5)


def test_background_distance_is_configurable():
    probs = [0.7, 0.075, 0.075, 0.075, 0.075]
    logits, label = pixel_logits(probs), pixel_label(NORMAL)
    apart = AdaptiveElasticLoss(background_distance=0)(logits, label)
    far = AdaptiveElasticLoss(background_distance=2)(logits, label)
    # Only the 0.7 on background changes the expected distance (0 -> 1.4).
    assert (far - apart).item() == pytest.approx(0.925 * 1.4, rel=1e-5)


@pytest.mark.parametrize('avg_non_ignore', [True, False])
def test_ignored_pixels_contribute_nothing(avg_non_ignore):
    logits, label = random_batch(seed=2, ignore_frac=0.4)
    logits.requires_grad_(True)
    loss = AdaptiveElasticLoss(
        class_weight=[1.0, 2.0, 1.0, 3.0, 1.0], avg_non_ignore=avg_non_ignore)
    value = loss(logits, label, ignore_index=255)
    value.backward()
    ignored = label == 255
    assert ignored.any() and (~ignored).any()
    assert torch.all(logits.grad.permute(0, 2, 3, 1)[ignored] == 0)
    # Changing the logits of ignored pixels changes nothing.
    moved = logits.detach() + 5 * torch.randn_like(logits) * ignored[:, None]
    assert loss(
        moved, label, ignore_index=255).item() == pytest.approx(
            value.item(), rel=1e-6)


def test_mean_divides_by_weighted_count():
    logits, label = random_batch(seed=3)
    class_weight = [1.0, 2.0, 0.5, 3.0, 1.0]
    weights = torch.tensor(class_weight)
    valid = label != 255
    total = AdaptiveElasticLoss(class_weight=class_weight)(
        logits, label, ignore_index=255, reduction_override='sum')
    for avg_non_ignore, extra in ((True, 0), (False, (~valid).sum())):
        mean = AdaptiveElasticLoss(
            class_weight=class_weight, avg_non_ignore=avg_non_ignore)(
                logits, label, ignore_index=255)
        divisor = weights[label[valid]].sum() + extra
        assert mean.item() == pytest.approx((total / divisor).item(), rel=1e-5)


def test_all_ignored_batch_is_finite_with_zero_gradient():
    logits = torch.randn(2, 5, 4, 4, requires_grad=True)
    label = torch.full((2, 4, 4), 255)
    for avg_non_ignore in (True, False):
        value = AdaptiveElasticLoss(avg_non_ignore=avg_non_ignore)(
            logits, label, ignore_index=255)
        assert torch.isfinite(value) and value.item() == 0
        logits.grad = None
        value.backward()
        assert torch.all(logits.grad == 0)


def test_pixel_weight_and_loss_weight():
    logits, label = random_batch(seed=4, ignore_frac=0)
    weight = torch.rand(label.shape)
    loss = AdaptiveElasticLoss(loss_weight=2.0)
    per_pixel = loss(logits, label, reduction_override='none')
    assert per_pixel.shape == label.shape
    weighted = loss(logits, label, weight=weight, reduction_override='sum')
    assert weighted.item() == pytest.approx(
        (per_pixel * weight).sum().item(), rel=1e-5)


@pytest.mark.parametrize('kwargs, message', [
    (dict(elastic_weight=-1), '>= 0'),
    (dict(progression=(1, 1, 2)), 'distinct'),
    (dict(reduction='avg'), 'reduction'),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        AdaptiveElasticLoss(**kwargs)


def test_progression_outside_the_logits_is_named():
    loss = AdaptiveElasticLoss(progression=(1, 2, 3, 4))
    with pytest.raises(ValueError, match='progression'):
        loss(torch.randn(1, 3, 2, 2), torch.zeros(1, 2, 2, dtype=torch.long))
