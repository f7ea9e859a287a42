"""Test (and evaluate) a segmentor (mmseg's ``tools/test.py``, plugin loaded)."""
import argparse
import os
import os.path as osp

import mmseg_hsp  # noqa: F401 (registers the plugin, allows weights_only)
from mmseg_hsp.checkpoint_file import load_checkpoint_file
from mmseg_hsp.cli import (add_common_args, build_runner, close_distributed,
                           exit_on_error, load_config)


def parse_args(parser):
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out',
        type=str,
        help='The directory to save output prediction for offline evaluation')
    parser.add_argument('--show',
                        action='store_true',
                        help='show prediction results')
    parser.add_argument('--show-dir',
                        help='directory where painted images will be saved. '
                        'If specified, it will be automatically saved '
                        'to the work_dir/timestamp/show_dir')
    parser.add_argument('--wait-time',
                        type=float,
                        default=2,
                        help='the interval of show (s)')
    parser.add_argument('--tta',
                        action='store_true',
                        help='Test time augmentation')
    add_common_args(parser)
    return parser.parse_args()


def trigger_visualization_hook(cfg, args):
    default_hooks = cfg.default_hooks
    if 'visualization' not in default_hooks:
        raise RuntimeError(
            'VisualizationHook must be included in default_hooks. '
            'refer to usage '
            '"visualization=dict(type=\'VisualizationHook\')"')
    visualization_hook = default_hooks['visualization']
    visualization_hook['draw'] = True
    if visualization_hook.get('type') == 'SegVisualizationHook':
        # mmseg's hook builds the training loop (and reads the training set)
        # for each picture's label: a test run paints without it.
        visualization_hook['type'] = 'SegTestVisualizationHook'
    if args.show:
        visualization_hook['show'] = True
        visualization_hook['wait_time'] = args.wait_time
    if args.show_dir:
        cfg.visualizer['save_dir'] = args.show_dir
        # mmseg's hook paints every `interval`-th batch (50): a user who
        # names a folder for the painted images wants every one.
        visualization_hook['interval'] = 1
    return cfg


def keep_run_config(runner):
    """Write the run's config into its own folder, as without --show-dir.

    --show-dir moves the whole visualizer, config record included, to the
    show dir; the run folder (``<work_dir>/<timestamp>``) then would not say
    which model its scores are of (tools/analysis/table5.py reads it there).
    """
    vis_data = osp.join(runner.log_dir, 'vis_data')
    os.makedirs(vis_data, exist_ok=True)
    runner.cfg.dump(osp.join(vis_data, 'config.py'))


def main():
    parser = argparse.ArgumentParser(
        description='MMSeg test (and eval) a model')
    args = parse_args(parser)
    with exit_on_error(parser):
        cfg = load_config(args)
        if osp.exists(args.checkpoint) or '://' not in args.checkpoint:
            # Read once up front: a file that is no checkpoint (empty,
            # zero-filled, text, truncated, a pickle asking for code) is
            # one line here, not a traceback from inside the test loop.
            load_checkpoint_file(args.checkpoint)
        cfg.load_from = args.checkpoint
        # mmengine loads load_from non-strictly; scores from a checkpoint
        # that does not fit the model, or has NaN weights, are an error
        # here, not a warning.
        cfg.custom_hooks = [
            *cfg.get('custom_hooks', []),
            dict(type='StrictCheckpointHook', checkpoint=args.checkpoint)
        ]
        if args.show or args.show_dir:
            cfg = trigger_visualization_hook(cfg, args)
        if args.tta:
            cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
            cfg.tta_model.module = cfg.model
            cfg.model = cfg.tta_model
        if args.out is not None:
            cfg.test_evaluator['output_dir'] = args.out
            cfg.test_evaluator['keep_results'] = True
        runner = build_runner(cfg)
        if args.show_dir:
            keep_run_config(runner)
        # The loop builds the rest of the config (loops, dataloaders,
        # evaluator) and reads the data: errors there are the user's too.
        runner.test()
        close_distributed()


if __name__ == '__main__':
    main()
