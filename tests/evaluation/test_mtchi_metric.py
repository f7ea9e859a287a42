"""MTCHIMetric against scores computed by hand on small label maps."""
import math

import pytest
import torch

import mmseg_hsp  # noqa: F401 (registers the metric)
from mmseg.registry import METRICS

# Truth 0 at the two right-most pixels; labels 1-4 elsewhere.
TRUTH = [[1, 1, 2, 0], [3, 3, 4, 0]]
PRED = [[1, 2, 2, 4], [3, 1, 0, 1]]


def sample(pred, truth):
    """A data sample as mmengine's evaluator hands it to ``process``."""
    return dict(
        pred_sem_seg=dict(data=torch.tensor([pred])),
        gt_sem_seg=dict(data=torch.tensor([truth])),
        img_path='Img/x.png')


def evaluate(pairs, images=None, **kwargs):
    metric = METRICS.build(dict(type='MTCHIMetric', **kwargs))
    for i, (pred, truth) in enumerate(pairs):
        inputs = [images[i]] if images is not None else [None]
        metric.process(dict(inputs=inputs), [sample(pred, truth)])
    return metric.compute_metrics(metric.results)


def test_scores_ignore_truth_zero():
    # Evaluated pixels (truth, pred): (1,1) (1,2) (2,2) (0,4)x (3,3) (3,1)
    # (4,0) (0,1)x -> x ignored. normal: P=2 T=2 I=1; CIN1: P=2 T=1 I=1;
    # CIN2: P=1 T=2 I=1; CIN3: P=0 T=1 I=0 (its prediction is on truth 0).
    m = evaluate([(PRED, TRUTH)])
    assert m['IoU.normal'] == pytest.approx(1 / 3)
    assert m['IoU.CIN1'] == pytest.approx(1 / 2)
    assert m['IoU.CIN2'] == pytest.approx(1 / 2)
    assert m['IoU.CIN3'] == 0
    assert m['Dice.normal'] == pytest.approx(2 / 4)
    assert m['Dice.CIN1'] == pytest.approx(2 / 3)
    assert m['Dice.CIN2'] == pytest.approx(2 / 3)
    assert m['Dice.CIN3'] == 0
    assert m['mIoU'] == pytest.approx((1 / 3 + 1 / 2 + 1 / 2 + 0) / 4)
    assert m['Dice'] == pytest.approx((1 / 2 + 2 / 3 + 2 / 3 + 0) / 4)
    assert m['AP'] == pytest.approx(3 / 6)


def test_grouped_mious():
    # NLH: normal (1), LSIL (2), HSIL (3, 4). normal P=2 T=2 I=1 -> 1/3;
    # LSIL P=2 T=1 I=1 -> 1/2; HSIL P=1 T=3 I=1 -> 1/3.
    # NC: normal 1/3; CIN (2-4) P=3 T=4 I=2 -> 2/5.
    m = evaluate([(PRED, TRUTH)])
    assert m['NLH-mIoU'] == pytest.approx((1 / 3 + 1 / 2 + 1 / 3) / 3)
    assert m['NC-mIoU'] == pytest.approx((1 / 3 + 2 / 5) / 2)


def test_counting_truth_zero():
    # The two truth-0 pixels now count: predicted 4 and 1 there are false
    # positives (normal P=3 -> IoU 1/4, CIN3 P=1 I=0), and both are wrong
    # for AP (3 right of 8).
    m = evaluate([(PRED, TRUTH)], ignore_background=False)
    assert m['IoU.normal'] == pytest.approx(1 / 4)
    assert m['IoU.CIN3'] == 0
    assert m['mIoU'] == pytest.approx((1 / 4 + 1 / 2 + 1 / 2 + 0) / 4)
    assert m['AP'] == pytest.approx(3 / 8)


def test_zero_black_input():
    # The input is pure black at the truth-0 pixels: the predictions there
    # become 0, which is right for AP when truth 0 counts (5 of 8) and no
    # longer a false positive of normal (IoU back to 1/3).
    image = torch.full((3, 2, 4), 120, dtype=torch.uint8)
    image[:, :, 3] = 0
    image[1, 0, 0] = 0  # black in one channel only: not pure black
    m = evaluate([(PRED, TRUTH)], [image],
                 ignore_background=False,
                 zero_black_input=True)
    assert m['AP'] == pytest.approx(5 / 8)
    assert m['IoU.normal'] == pytest.approx(1 / 3)
    # With truth 0 ignored (the default), it changes nothing.
    assert evaluate([(PRED, TRUTH)], [image], zero_black_input=True) == \
        evaluate([(PRED, TRUTH)])


def test_absent_class_is_nan_and_left_out_of_the_mean():
    # Neither CIN2 nor CIN3 occurs in truth or prediction: 0/0 -> NaN, and
    # the means run over normal and CIN1 only.
    m = evaluate([([[1, 2, 2]], [[1, 1, 2]])])
    assert math.isnan(m['IoU.CIN2']) and math.isnan(m['Dice.CIN3'])
    assert m['mIoU'] == pytest.approx((1 / 2 + 1 / 2) / 2)
    assert m['Dice'] == pytest.approx((2 / 3 + 2 / 3) / 2)
    # HSIL absent: NLH averages normal and LSIL only.
    assert m['NLH-mIoU'] == pytest.approx(1 / 2)


def test_sums_over_the_set_not_a_mean_of_images():
    # Image A is perfect (normal), image B predicts CIN1 on 4 normal pixels.
    # Summed: normal P=2 T=6 I=2 -> 1/3, CIN1 P=4 T=0 -> 0: mIoU 1/6, while
    # a mean of per-image mIoUs would be (1 + 0) / 2.
    m = evaluate([([[1, 1]], [[1, 1]]), ([[2, 2, 2, 2]], [[1, 1, 1, 1]])])
    assert m['mIoU'] == pytest.approx(1 / 6)
    assert m['AP'] == pytest.approx(2 / 6)


def test_padding_label_is_always_ignored():
    m = evaluate([([[1, 2, 3]], [[1, 255, 255]])], ignore_background=False)
    assert m['AP'] == 1
    assert m['mIoU'] == 1


def test_writes_predictions_in_truth_format(tmp_path):
    import cv2
    metric = METRICS.build(
        dict(type='MTCHIMetric', output_dir=str(tmp_path / 'pred')))
    metric.process(dict(inputs=[None]), [sample(PRED, TRUTH)])
    written = cv2.imread(
        str(tmp_path / 'pred' / 'Mask_x.png'), cv2.IMREAD_UNCHANGED)
    assert written.tolist() == PRED
    assert sorted(p.name
                  for p in (tmp_path / 'pred').iterdir()) == ['Mask_x.png']


def test_class_names_come_from_dataset_meta():
    # The dataset's names label the per-class scores; the numbers stay.
    default = evaluate([(PRED, TRUTH)])
    metric = METRICS.build(dict(type='MTCHIMetric'))
    metric.dataset_meta = dict(classes=('bg', 'N', 'L1', 'L2', 'L3'))
    metric.process(dict(inputs=[None]), [sample(PRED, TRUTH)])
    renamed = metric.compute_metrics(metric.results)
    assert renamed['IoU.N'] == default['IoU.normal'] == pytest.approx(1 / 3)
    assert renamed['Dice.L2'] == default['Dice.CIN2']
    assert not any(key.endswith('normal') for key in renamed)
    assert {k: v for k, v in renamed.items() if '.' not in k} == {
        k: v
        for k, v in default.items() if '.' not in k
    }
    metric.dataset_meta = dict(classes=('bg', 'lesion'))
    with pytest.raises(ValueError, match='has 2 classes.*need 5'):
        metric.process(dict(inputs=[None]), [sample(PRED, TRUTH)])
