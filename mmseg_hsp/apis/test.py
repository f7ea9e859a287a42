"""Test (and evaluate) a segmentor from Python: the API behind
``tools/test.py``.

Safe to call many times in one process (several checkpoints, both test
protocols): each call builds its own runner, in a second of its own
(:mod:`mmseg_hsp.engine.runner`), so its scores, log and painted images
land in its own run folder.
"""
import os
import os.path as osp
from typing import Optional, Union

from mmengine.config import Config

from mmseg.registry import MODELS
from ..arguments import ArgumentError
from ..checkpoint_file import load_checkpoint_file
from ..engine.amp import resolve_amp
from ..engine.launch import close_distributed
from ..engine.runner import build_runner, load_config
from ..models import TileBlendEncoderDecoder
from ..tiling import BLEND_MODES

# model.test_cfg.mode: mmseg's, then the blend modes of the paper's
# post-processing (TileBlendEncoderDecoder).
TEST_MODES = ('whole', 'slide', *BLEND_MODES)


def test_model(config: Union[str, Config],
               checkpoint: str,
               *,
               work_dir: Optional[str] = None,
               mode: Optional[str] = None,
               cfg_options: Optional[dict] = None,
               amp: Optional[str] = None,
               tta: bool = False,
               show_dir: Optional[str] = None,
               out: Optional[str] = None,
               launcher: str = 'none',
               show: bool = False,
               wait_time: float = 2) -> dict:
    """Test a checkpoint on the config's test set, as mmseg's
    ``tools/test.py`` does, loading it strictly.

    Args:
        config (str | Config): A config file, ``mmseg_hsp::<name>.py`` (a
            config of the package) or a Config (not changed).
        checkpoint (str): The weights (a file, or a URL mmengine loads). A
            file is read up front: one that is no checkpoint is an error
            before anything runs, one that does not fit the model (or has
            NaN weights) is an error, not a warning.
        work_dir (str, optional): Where the run folder
            (``<timestamp>/``: log, scores as ``<timestamp>.json``, config)
            goes. Defaults to the config's ``work_dir``, else
            ``./work_dirs/<config name>``.
        mode (str, optional): The test protocol, ``model.test_cfg.mode``:
            ``'whole'``, ``'slide'`` (mmseg's) or the blend modes of
            :class:`~mmseg_hsp.models.TileBlendEncoderDecoder`:
            ``'none'`` (tiles stitched, the paper's "x"), ``'gauss'``
            (Gauss-like blending, "Post"), ``'mean'``. Defaults to None:
            the config's.
        cfg_options (dict, optional): Overrides of the config, as
            ``--cfg-options`` gives them.
        amp (str, optional): ``'auto'``, ``'bf16'``, ``'fp16'`` (CUDA) or
            ``'fp32'`` (``model.test_cfg.amp``). Defaults to None: the
            config's, else float32.
        tta (bool): Test-time augmentation (the config's ``tta_model`` and
            ``tta_pipeline``: flips, mmseg's ``SegTTAModel``). Defaults to
            False.
        show_dir (str, optional): Paint every test image's prediction into
            this folder. Defaults to None.
        out (str, optional): Also write the predicted masks into this
            folder (``test_evaluator.output_dir``). Defaults to None.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or
            ``'mpi'``. Defaults to ``'none'``.
        show (bool): Show the predictions in a window. Defaults to False.
        wait_time (float): Seconds each is shown. Defaults to 2.

    Returns:
        dict[str, float]: The scores, as the evaluator computes them
        (MTCHIMetric: ``mIoU``, ``Dice``, ``AP``, ... as fractions).

    Raises:
        FileNotFoundError: A missing config, checkpoint or data folder.
        UnreadableCheckpoint: A checkpoint file that is no checkpoint.
        CheckpointMismatch: A checkpoint that does not fit the model.
        ArgumentError: (a ``ValueError``) naming the argument that cannot
            be used: an unknown ``mode``, a blend ``mode`` or an ``amp`` for
            a model that is no ``TileBlendEncoderDecoder``, ``amp``
            unknown or ``'fp16'`` on a CPU, ``tta`` for a config without
            ``tta_model``, ``show_dir`` for one without a visualization
            hook.

    Example:
        >>> scores = test_model('configs/hspnet_r18_synthetic_demo.py',
        ...                     'work_dirs/demo/iter_20.pth', mode='gauss')
        >>> scores['mIoU']
        0.6612
    """
    cfg = load_config(config, work_dir, cfg_options, launcher)
    set_test_cfg(cfg, mode, amp)
    if osp.exists(checkpoint) or '://' not in checkpoint:
        # Read once up front: a file that is no checkpoint (empty,
        # zero-filled, text, truncated, a pickle asking for code) is one
        # line here, not a traceback from inside the test loop.
        load_checkpoint_file(checkpoint)
    cfg.load_from = checkpoint
    # mmengine loads load_from non-strictly; scores from a checkpoint that
    # does not fit the model, or has NaN weights, are an error here.
    cfg.custom_hooks = [
        *cfg.get('custom_hooks', []),
        dict(type='StrictCheckpointHook', checkpoint=checkpoint)
    ]
    if show or show_dir:
        paint_predictions(cfg, show, wait_time, show_dir)
    if tta:
        if 'tta_model' not in cfg or 'tta_pipeline' not in cfg:
            raise ArgumentError(
                'tta', tta, 'the config has no tta_model and tta_pipeline '
                "(mmseg's default_runtime.py and dataset configs define "
                'them)')
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if out is not None:
        cfg.test_evaluator['output_dir'] = out
        cfg.test_evaluator['keep_results'] = True
    runner = build_runner(cfg)
    if show_dir:
        keep_run_config(runner)
    # The loop builds the rest of the config (loops, dataloaders,
    # evaluator) and reads the data: errors there are the user's too.
    scores = runner.test()
    if launcher != 'none':
        close_distributed()
    return scores


# Not a test of pytest's, in whatever test module imports it.
test_model.__test__ = False


def set_test_cfg(cfg: Config, mode: Optional[str],
                 amp: Optional[str]) -> None:
    """Set ``model.test_cfg``'s ``mode`` and ``amp`` where given.

    Raises:
        ArgumentError: An unknown mode or precision, or one the model does
            not read (only a TileBlendEncoderDecoder blends tiles and reads
            ``test_cfg.amp``).
    """
    blends = _blends_tiles(cfg.model.get('type'))
    if mode is not None:
        if mode not in TEST_MODES:
            raise ArgumentError('mode', mode,
                                f'unknown; use one of {", ".join(TEST_MODES)}')
        if mode in BLEND_MODES and not blends:
            raise ArgumentError('mode', mode, _not_blending(cfg))
        cfg.model.setdefault('test_cfg', {})['mode'] = mode
    if amp is not None:
        resolve_amp(amp, requested=False)  # unknown, or fp16 on a CPU
        if amp != 'fp32' and not blends:
            raise ArgumentError('amp', amp, _not_blending(cfg))
        cfg.model.setdefault('test_cfg', {})['amp'] = amp


def _blends_tiles(model_type) -> bool:
    """Whether a model type is a TileBlendEncoderDecoder (True for a type
    mmseg does not know: building it will say so)."""
    cls = model_type if isinstance(model_type, type) else \
        MODELS.get(model_type)
    return cls is None or issubclass(cls, TileBlendEncoderDecoder)


def _not_blending(cfg: Config) -> str:
    return (f'the model is a {cfg.model.type}, which tests whole images; '
            "TileBlendEncoderDecoder (the same model, model.type="
            "'TileBlendEncoderDecoder') blends tiles and reads test_cfg.amp")


def paint_predictions(cfg: Config, show: bool, wait_time: float,
                      show_dir: Optional[str]) -> None:
    """Switch the config's visualization hook on for a test run.

    Raises:
        ArgumentError: The config's ``default_hooks`` have no
            ``visualization``.
    """
    hook = cfg.default_hooks.get('visualization')
    if hook is None:
        raise ArgumentError(
            'show_dir' if show_dir else 'show', show_dir or show,
            "the config's default_hooks have no visualization hook; add "
            "visualization=dict(type='SegVisualizationHook')")
    hook['draw'] = True
    if hook.get('type') == 'SegVisualizationHook':
        # mmseg's hook builds the training loop (and reads the training set)
        # for each picture's label: a test run paints without it.
        hook['type'] = 'SegTestVisualizationHook'
    if show:
        hook['show'] = True
        hook['wait_time'] = wait_time
    if show_dir:
        cfg.visualizer['save_dir'] = show_dir
        # mmseg's hook paints every `interval`-th batch (50): a user who
        # names a folder for the painted images wants every one.
        hook['interval'] = 1


def keep_run_config(runner) -> None:
    """Write the run's config into its own folder, as without a show_dir.

    A show_dir moves the whole visualizer, config record included, to the
    show dir; the run folder (``<work_dir>/<timestamp>``) then would not say
    which model its scores are of (the Table 5 report reads it there).
    """
    vis_data = osp.join(runner.log_dir, 'vis_data')
    os.makedirs(vis_data, exist_ok=True)
    runner.cfg.dump(osp.join(vis_data, 'config.py'))
