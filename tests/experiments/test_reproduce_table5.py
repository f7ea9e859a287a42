"""tools/reproduce_table5.py end to end on its smoke preset (training in a
fresh process, every test of a run in one more, learning curves, resuming
a partly done work dir, being stopped), and the GPU check's dry run on
CPU."""
import csv
import json
import os
import signal
import subprocess
import sys
import time

import cv2
import pytest

from conftest import REPO_ROOT, TESTS_DIR, default_sigint

ROWS = ('hspnet-r34-ce', 'unet')


def run_tool(work_dir):
    return subprocess.run([
        sys.executable, 'tools/reproduce_table5.py', '--preset', 'smoke',
        '--work-dir', work_dir, '--rows', *ROWS
    ],
                          cwd=REPO_ROOT,
                          env=dict(os.environ, OMP_NUM_THREADS='1'),
                          capture_output=True,
                          text=True,
                          timeout=900)


# The runner's command line with its one step a stub that only waits to be
# stopped (fixtures.stoppable_step): argv is RECORD LOG WORK_DIR.
RUNNER_OF_ONE_STEP = """
import sys
from mmseg_hsp.cli import reproduce_table5 as cli
from mmseg_hsp.experiments.table5 import Step

def one_step(*args, **kwargs):
    Step(1).run(['fixtures.stoppable_step', sys.argv[1]], sys.argv[2])

cli.reproduce_table5 = one_step
sys.argv[0] = 'reproduce_table5.py'
cli.main(['--preset', 'smoke', '--work-dir', sys.argv[3]])
"""


def steps(stdout):
    return [line for line in stdout.splitlines() if line.startswith(
        '[table5] ') and '/4 ' in line]


@pytest.fixture(scope='module')
def smoke(tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('table5'))
    proc = run_tool(work_dir)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return work_dir, proc.stdout


def test_one_console_line_per_step_and_logs_in_files(smoke):
    work_dir, stdout = smoke
    lines = steps(stdout)
    # 2 rows x 1 seed x (train, all tests in one process).
    assert [line.split()[1] for line in lines] == [
        f'{i}/4' for i in range(1, 5)]
    assert ' U-Net seed 0: tested 2 curve points and both protocols in ' \
        in lines[3]
    assert 'Config:' not in stdout and 'Iter(train)' not in stdout
    run_dir = os.path.join(work_dir, 'unet', 'seed0')
    with open(os.path.join(run_dir, 'train.log')) as f:
        log = f.read()
    assert 'Iter(train) [2/2]' in log


def test_learning_curve_tested_from_checkpoints_in_one_process(smoke):
    """2 iterations, 8 curve points asked: a checkpoint at 1 and 2; the
    one at 1 is removed once tested; each test in its own folder."""
    work_dir, _ = smoke
    run_dir = os.path.join(work_dir, 'unet', 'seed0')
    with open(os.path.join(run_dir, 'results.json')) as f:
        results = json.load(f)
    assert sorted(results['curve']) == ['1', '2']
    assert results['curve']['2'] == results['x']['mIoU']
    assert len(results['x']['regions']) == len(
        results['post']['regions']) == 2
    assert not os.path.exists(os.path.join(run_dir, 'iter_1.pth'))
    assert os.path.isfile(os.path.join(run_dir, 'iter_2.pth'))
    assert sorted(os.listdir(os.path.join(run_dir, 'test'))) == [
        'iter_1_x', 'iter_2_post', 'iter_2_x']
    with open(os.path.join(work_dir, 'table5_summary.json')) as f:
        summary = json.load(f)
    assert [r['key'] for r in summary['rows']] == list(ROWS)
    assert summary['rows'][1]['runs'][0]['curve'] == results['curve']
    assert (summary['max_iters'], summary['regions']) == (2, 2)
    assert summary['rows'][1]['paper_miou'] == 0.2820
    curves = cv2.imread(os.path.join(work_dir, 'table5_curves.png'))
    assert curves is not None and curves.shape[1] > 200


def test_table_pictures_and_predictions(smoke):
    work_dir, _ = smoke
    with open(os.path.join(work_dir, 'table5.csv')) as f:
        rows = list(csv.DictReader(f))
    assert [(r['Row'], r['Post']) for r in rows] == [
        ('HSP-Net R34 CE', 'x'), ('HSP-Net R34 CE', '✓ (gauss)'),
        ('U-Net', 'x'), ('U-Net', '✓ (gauss)')]
    assert [r['Variant'] for r in rows] == [
        '', '', 'paper-sized', 'paper-sized']
    assert [r['Network'] for r in rows] == ['HSP-Net (R-34)'] * 2 + ['U-Net'
                                                                    ] * 2
    for row in rows:
        assert row['Seeds'] == '0'
        assert 0 <= float(row['mIoU']) <= 1
    with open(os.path.join(work_dir, 'table5.md')) as f:
        table = f.read()
    # the README's one-line-per-row table first, then the full one
    assert table.startswith('<!-- table5-table:main -->\n| Row | Params |')
    assert '\n| Row | Network | Variant |' in table
    # bfloat16 training where this CPU has it (the preset's --amp auto).
    from mmseg_hsp.tiling import cpu_bf16_flags
    precision = 'bf16' if cpu_bf16_flags() else 'fp32'
    assert (f'Preset smoke, 2 training iterations ({precision}), seeds 0; '
            'mean ± sample std over seeds.\n') in table
    # One seed: no spread to test against, so no two rows are apart.
    order = [line for line in table.splitlines() if line.startswith('- Post')]
    assert len(order) == 2 and all(' > ' not in line for line in order)
    assert table.count('| n/a (one seed) | n/a | no |') == 2
    assert "- 'x': apart: no pair. Within noise: " in table
    assert '<!-- /table5-conclusions:main -->' in table
    # The curve's order at each point, and whether it settled: with two
    # points the last quarter holds one.
    assert '| Iteration | Rows by mean \'x\' mIoU |' in table
    assert 'Settled: cannot tell, fewer than two curve points' in table
    with open(os.path.join(work_dir, 'unet', 'seed0.py')) as f:
        wrapper = 'AutocastOptimWrapper' if precision == 'bf16' \
            else 'OptimWrapper'
        assert f"type='{wrapper}'" in f.read()
    bars = cv2.imread(os.path.join(work_dir, 'table5_miou.png'))
    assert bars is not None and bars.shape[1] > 200
    grid = cv2.imread(os.path.join(work_dir, 'table5_predictions.png'))
    # test region | truth | 2 models: four 128 px panels and 3 gaps; one
    # row per test region (2 in the smoke set) between header and legend.
    assert grid.shape[:2] == (24 + 2 * (128 + 4) + 24, 4 * 128 + 3 * 4)
    for protocol in ('x', 'post'):
        masks = os.listdir(
            os.path.join(work_dir, 'unet', 'seed0', f'pred_{protocol}'))
        assert len(masks) == 2


def test_table_reports_a_bootstrap_interval_over_test_regions(smoke):
    """The interval column, and the masks it is drawn from are what the
    metric scored: their summed confusion gives the table's mIoU."""
    from mmseg_hsp.evaluation.bootstrap import (miou_of_confusions,
                                                region_confusions)
    work_dir, _ = smoke
    with open(os.path.join(work_dir, 'table5.csv')) as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        low, high = map(float,
                        row['mIoU 95 % CI (regions)'].strip('[]').split(', '))
        assert 0 <= low <= high <= 1
    confusions = region_confusions(
        os.path.join(work_dir, 'data', 'Task2', 'Test'),
        os.path.join(work_dir, 'unet', 'seed0', 'pred_x'))
    assert len(confusions) == 2
    (unet_x, ) = [r for r in rows if r['Row'] == 'U-Net' and r['Post'] == 'x']
    assert miou_of_confusions(confusions.sum(0)) == pytest.approx(
        float(unet_x['mIoU']), abs=5e-5)
    with open(os.path.join(work_dir, 'table5.md')) as f:
        table = f.read()
    assert ('mIoU 95 % CI: the seed-mean mIoU on 2000 bootstrap samples of '
            'the test regions') in table
    assert '| Post | Higher | Lower | Δ mIoU | Δ interval (family-wise' \
        in table


def test_second_run_skips_what_is_done_and_tests_what_is_not(smoke):
    """A run with results is skipped; one trained but not tested (its
    results removed) is tested again without training."""
    work_dir, _ = smoke
    os.remove(os.path.join(work_dir, 'unet', 'seed0', 'results.json'))
    proc = run_tool(work_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = steps(proc.stdout)
    said = [line.split(': ', 1)[1].rsplit(' (', 1)[0] for line in lines]
    assert said[:3] == [
        'trained already', 'tested already', 'trained already (iter_2.pth)'
    ] and said[3].startswith('tested 2 curve points and both protocols in')


def test_curve_points_along_a_schedule():
    from mmseg_hsp.experiments.table5 import curve_points
    assert curve_points(200, 8) == [25, 50, 75, 100, 125, 150, 175, 200]
    assert curve_points(2, 8) == [1, 2]
    assert curve_points(10, 3) == [3, 6, 9, 10]
    assert curve_points(30, 1) == [30]


def test_curve_points_below_one_is_a_usage_error(capsys):
    from mmseg_hsp.cli.reproduce_table5 import main
    with pytest.raises(SystemExit) as exit_info:
        main(['--curve-points', '0'])
    assert exit_info.value.code == 2
    assert '--curve-points must be 1 or more' in capsys.readouterr().err


def test_gpu_check_dry_run(tmp_path):
    proc = subprocess.run(['bash', 'tools/gpu_check.sh', '--dry-run'],
                          cwd=REPO_ROOT,
                          env=dict(os.environ,
                                   OUT=str(tmp_path),
                                   PYTHON=sys.executable,
                                   OMP_NUM_THREADS='1'),
                          capture_output=True,
                          text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(tmp_path / 'gpu_check.json') as f:
        result = json.load(f)
    assert result['dry_run'] is True and result['device'] == 'cpu'
    speeds = result['train_images_per_second']
    assert set(speeds) == {'hspnet_r101_amp', 'deeplabv3plus_paper'}
    assert all(v > 0 for v in speeds.values())
    # The whole-slide part (tools/misc/gpu_check_wsi.py), embedded as written.
    wsi = result['infer_wsi']
    with open(tmp_path / 'wsi' / 'wsi.json') as f:
        assert json.load(f) == wsi
    assert wsi['dry_run'] and wsi['device'] == 'cpu'
    assert wsi['gpu'] is None  # no nvidia-smi on a dry run
    # 640 x 800 in 128 px tiles at stride 64: 9 x 12, all tissue.
    assert wsi['tiles'] == dict(total=108, run=108, skipped=0)
    assert wsi['precision']['channels_last']
    rates = wsi['tiles_per_second']
    assert rates['infer_wsi'] > 0 and rates['bare_forward'] > 0
    assert wsi['share_of_bare'] == pytest.approx(
        rates['infer_wsi'] / rates['bare_forward'], abs=0.01)


def test_select_rows_tables_zoo_as_extra_rows_and_ablations():
    from mmseg_hsp.experiments.table5 import PRESETS, select_rows
    cpu = PRESETS['cpu']
    table, rows = select_rows(None, ablations=False, zoo=False, preset=cpu)
    assert table == 'table5'
    assert [r.title for r in rows] == [
        'HSP-Net R101 AE', 'HSP-Net R101 CE', 'HSP-Net R34 CE',
        'DeepLab v3+ CE', 'DeepLab v3+ AE', 'FCN32s', 'FCN16s', 'U-Net'
    ]
    # --zoo adds mmseg's models after the paper's, which stay.
    table, rows = select_rows(['unet', 'hspnet-r34-ce'], False, True, cpu)
    assert [r.config for r in rows] == [
        'hspnet_r34_ce_mtchi', 'unet_original_mtchi', 'fcn_r101_mtchi',
        'deeplabv3plus_r101_mtchi', 'unet_s5-d16_mtchi'
    ]
    assert all('zoo' in r.title for r in rows[2:])
    # --ablations: its own table, beside the two rows it is read against.
    table, rows = select_rows(None, ablations=True, zoo=False, preset=cpu)
    assert table == 'ablations'
    assert [r.key for r in rows] == [
        'hspnet-r101-ce', 'deeplabv3plus', 'hspnet-os16', 'hspnet-os8',
        'hspnet-no-ds1-5', 'hspnet-no-ds5', 'hspnet-no-ds1-4'
    ]


def test_a_stale_synthetic_set_is_named(tmp_path):
    from mmseg_hsp.experiments.table5 import PRESETS, prepare_data
    root = tmp_path / 'Task2'
    for sub in ('TrainingPatches', 'Test/Img'):
        (root / sub).mkdir(parents=True)
    (root / 'Test' / 'Img' / 'Crop_S0-TE0000.png').write_bytes(b'')
    with pytest.raises(ValueError, match='holds 1 test regions, the preset '
                       '48; remove'):
        prepare_data(PRESETS['cpu'], str(root), own=True)
    prepare_data(PRESETS['cpu'], str(root), own=False)  # the user's data


def test_a_run_dir_of_another_config_is_a_usage_error(tmp_path, capsys):
    """Nothing is trained into a run dir made with other settings."""
    from mmseg_hsp.cli.reproduce_table5 import main
    (tmp_path / 'unet').mkdir()
    (tmp_path / 'unet' / 'seed0.py').write_text('other = 1\n')
    with pytest.raises(SystemExit) as exit_info:
        main(['--preset', 'smoke', '--work-dir', str(tmp_path), '--rows',
              'unet'])
    assert exit_info.value.code == 2
    assert (f'{tmp_path}/unet/seed0 holds a run of another config (other '
            'preset, data, iterations or curve points)'
            ) in capsys.readouterr().err
    assert not (tmp_path / 'unet' / 'seed0' / 'train.log').exists()


def test_a_table_made_in_parts_merges_into_what_one_run_writes(
        smoke, tmp_path, capsys):
    """Each row's summary carries its first seed's shown predictions; the
    parts' summaries, given in any order, merge into the table one run of
    both rows wrote: the same summary, Markdown and pictures."""
    import numpy as np

    from mmseg_hsp.cli.table5 import main
    work_dir, _ = smoke
    with open(os.path.join(work_dir, 'table5_summary.json')) as f:
        whole = json.load(f)
    for row in whole['rows']:
        pred_dir = os.path.join(work_dir, row['key'], 'seed0', 'pred_x')
        assert sorted(row['shown']) == sorted(os.listdir(pred_dir))
    parts = []
    for row in reversed(whole['rows']):
        parts.append(str(tmp_path / f'{row["key"]}.json'))
        with open(parts[-1], 'w') as f:
            json.dump(dict(whole, rows=[row]), f)
    data_root = os.path.join(work_dir, 'data', 'Task2')
    out = tmp_path / 'out'
    main(['--summary', *parts, '--data-root', data_root, '--out-dir',
          str(out)])
    with open(out / 'table5_summary.json') as f:
        assert json.load(f) == whole
    with open(os.path.join(work_dir, 'table5.md')) as f:
        assert (out / 'table5.md').read_text() == f.read()
    for picture in ('table5_predictions.png', 'table5_miou.png',
                    'table5_curves.png'):
        assert np.array_equal(cv2.imread(str(out / picture)),
                              cv2.imread(os.path.join(work_dir, picture)))
    assert 'table5_predictions.png' in capsys.readouterr().out
    # the smoke preset's test regions are under its work dir: no default
    with pytest.raises(SystemExit) as exit_info:
        main(['--summary', *parts, '--out-dir', str(tmp_path / 'none')])
    assert exit_info.value.code == 2
    assert 'pass --data-root' in capsys.readouterr().err
    assert not os.path.exists(tmp_path / 'none' / 'table5.md')


def ignore_sigint() -> None:
    """``preexec_fn`` of a runner started as a background job."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize('stop, code, said, start', [
    ('ctrl-c', 130, 'interrupted', default_sigint),  # to both, as a tty
    ('kill -INT', 130, 'interrupted', default_sigint),  # to the runner
    ('kill', 143, 'terminated (SIGTERM)', default_sigint),  # a cancel
    ('kill', 143, 'terminated (SIGTERM)', ignore_sigint),  # of nohup ... &
])
def test_a_stopped_runner_stops_its_step_once_and_says_so(
        tmp_path, stop, code, said, start):
    record, log = tmp_path / 'signals.txt', tmp_path / 'step.log'
    env = dict(os.environ,
               PYTHONPATH=os.pathsep.join([REPO_ROOT, TESTS_DIR]))
    env.pop('MMSEG_HSP_DEBUG', None)
    # Its own session: the "terminal" Ctrl-C goes to its group, not pytest.
    runner = subprocess.Popen(
        [sys.executable, '-c', RUNNER_OF_ONE_STEP, str(record), str(log),
         str(tmp_path / 'work')],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=start)
    try:
        deadline = time.time() + 240
        while not log.exists() or 'running' not in log.read_text():
            assert runner.poll() is None and time.time() < deadline, \
                runner.stderr.read()[-3000:]
            time.sleep(0.1)
        step_pid = int(log.read_text().split()[1])
        if stop == 'ctrl-c':
            os.killpg(runner.pid, signal.SIGINT)
        else:
            runner.send_signal(signal.SIGINT if stop == 'kill -INT'
                               else signal.SIGTERM)
        _, stderr = runner.communicate(timeout=120)
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
    assert runner.returncode == code, stderr[-3000:]
    assert 'Traceback' not in stderr
    assert stderr.strip().splitlines()[-1] == (
        f'reproduce_table5.py: {said}; finished runs are kept and a stopped '
        'one resumes from its last checkpoint: rerun the same command to go '
        'on')
    # The step stopped through its Ctrl-C path, on one SIGINT, before the
    # runner exited: never killed mid-checkpoint, never left running.
    assert record.read_text().split() == ['SIGINT']
    with pytest.raises(ProcessLookupError):
        os.kill(step_pid, 0)
