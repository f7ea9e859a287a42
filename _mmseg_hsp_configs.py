"""Make ``mmseg_hsp::<cfg>.py`` resolve in every mmengine entry point.

mmengine 0.10.7 resolves ``pkg::path`` only for the OpenMMLab packages it
lists (``MODULE2PACKAGE``), only for paths with a folder
(``mmdet::faster_rcnn/x.py``), and from the distribution's install location
(``site-packages/<pkg>``), which is wrong for a PEP 660 editable install
(the code stays in the source tree). And a user's ``_base_`` is resolved
before the config's ``custom_imports`` could import the plugin. So
mmseg's ``tools/train.py``, ``init_model``, ``MMSegInferencer``, ``mim
train mmseg`` and ``mmengine.hub.get_config`` would all fail on
``_base_ = ['mmseg_hsp::hspnet_r101_mtchi.py']``.

This stdlib-only module, imported by the ``mmseg_hsp-configs.pth`` file
that every install (wheel, editable, ``mim install``) puts in
site-packages, puts a finder first on ``sys.meta_path``. The finder answers
no import itself: for the modules of :data:`PATCHES` it lets the normal
finder load the module, then patches it right after it has run, so
``mmseg_hsp::`` paths (with or without a folder) resolve to the configs
shipped in the package (``mmseg_hsp/.mim/configs``, found without
importing ``mmseg_hsp``) and every other path is left to mmengine; and
``mim train/test mmseg_hsp`` find ``.mim/tools`` of an editable install. A
process that never imports mmengine pays one dict lookup per import.
``import mmseg_hsp`` calls :func:`install` too, for a checkout on
``PYTHONPATH`` that has no ``.pth`` file.
"""
import sys

PACKAGE = 'mmseg_hsp'


def package_dir() -> str:
    """The folder ``import mmseg_hsp`` loads the package from.

    Found without importing it. For a wheel that is in site-packages; for
    an editable install the source tree, where mmengine and mim, which
    look in the distribution's install location, find nothing.

    Raises:
        FileNotFoundError: If the package is not installed.
    """
    import importlib.util

    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f'{PACKAGE} is not installed: '
                                'pip install mmseg_hsp')
    return spec.submodule_search_locations[0]


def package_config_path(rel_path: str) -> str:
    """The file of ``mmseg_hsp::<rel_path>``.

    Args:
        rel_path (str): Path relative to the configs folder, e.g.
            ``hspnet_r101_mtchi.py`` or ``_base_/datasets/mtchi.py``.

    Returns:
        str: The absolute path under :func:`package_dir`'s
        ``.mim/configs``.

    Raises:
        FileNotFoundError: If no such config is shipped.
    """
    import os.path as osp

    configs = osp.join(package_dir(), '.mim', 'configs')
    path = osp.join(configs, rel_path)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{PACKAGE}::{rel_path}: no such config in {configs}')
    return path


def split_package_path(cfg_path: str):
    """``'mmseg_hsp::a/b.py'`` -> ``'a/b.py'``; None for other paths."""
    package, sep, rel_path = cfg_path.partition('::')
    return rel_path if sep and package == PACKAGE and rel_path else None


def config_file(cfg_path):
    """The file of a config named by path or as ``mmseg_hsp::<rel_path>``.

    The one place a tool's config argument is resolved: ``Config.fromfile``
    calls it (see :func:`patch_config`), and a tool that needs the file
    itself (its name for a work dir) calls it too.

    Args:
        cfg_path (str | os.PathLike): A path, or ``mmseg_hsp::<rel_path>``.

    Returns:
        str | os.PathLike: ``cfg_path`` itself, or the shipped config's
        file (:func:`package_config_path`).
    """
    rel_path = split_package_path(cfg_path) if isinstance(cfg_path,
                                                          str) else None
    return cfg_path if rel_path is None else package_config_path(rel_path)


def patch_config(module) -> None:
    """Resolve ``mmseg_hsp::`` in ``Config._get_cfg_path`` (``_base_``) and
    in ``Config.fromfile`` (the config a tool or API is given: mmengine
    takes ``pkg::`` names only in ``_base_``).

    Args:
        module: ``mmengine.config.config``, just executed.
    """
    config_cls = module.Config
    resolve = config_cls._get_cfg_path
    if getattr(resolve, 'handles_mmseg_hsp', False):
        return
    fromfile = config_cls.fromfile

    def fromfile_resolving(filename, *args, **kwargs):
        return fromfile(config_file(filename), *args, **kwargs)

    fromfile_resolving.__doc__ = fromfile.__doc__
    config_cls.fromfile = staticmethod(fromfile_resolving)

    def get_cfg_path(cfg_path, filename):
        rel_path = split_package_path(cfg_path)
        if rel_path is None:
            return resolve(cfg_path, filename)
        # The scope tags the inherited dicts (mmseg_hsp.registry).
        return package_config_path(rel_path), PACKAGE

    get_cfg_path.handles_mmseg_hsp = True
    config_cls._get_cfg_path = staticmethod(get_cfg_path)


def patch_hub(module) -> None:
    """Resolve ``mmseg_hsp::`` in ``mmengine.hub.get_config``.

    Args:
        module: ``mmengine.hub.hub``, just executed. ``mmengine.hub``
            binds its ``get_config`` after this module has run, so it gets
            the patched one; if it was imported before, it is patched too.
    """
    get_config = module.get_config
    if getattr(get_config, 'handles_mmseg_hsp', False):
        return

    def get_package_config(cfg_path, pretrained=False):
        rel_path = split_package_path(cfg_path)
        if rel_path is None:
            return get_config(cfg_path, pretrained)
        if pretrained:
            raise ValueError(f'{cfg_path}: mmseg_hsp publishes no '
                             'pretrained weights; use pretrained=False')
        return module.Config.fromfile(package_config_path(rel_path))

    get_package_config.handles_mmseg_hsp = True
    get_package_config.__doc__ = get_config.__doc__
    module.get_config = get_package_config
    hub = sys.modules.get('mmengine.hub')
    if getattr(hub, 'get_config', None) is get_config:
        hub.get_config = get_package_config


def patch_mim(module) -> None:
    """Find the package where it is imported from in ``mim train/test``.

    Args:
        module: ``mim.utils.utils``, just executed; its
            ``get_installed_path`` (where mim looks for ``.mim/tools``) is
            wrong for an editable install. ``mim.utils`` and mim's commands
            bind it after this module has run.
    """
    get_installed_path = module.get_installed_path
    if getattr(get_installed_path, 'handles_mmseg_hsp', False):
        return

    def get_package_path(package):
        if package == PACKAGE:
            return package_dir()
        return get_installed_path(package)

    get_package_path.handles_mmseg_hsp = True
    module.get_installed_path = get_package_path


# The module to patch -> the patch, applied right after the module runs.
PATCHES = {'mmengine.config.config': patch_config,
           'mmengine.hub.hub': patch_hub,
           'mim.utils.utils': patch_mim}


class PatchingLoader:
    """Runs a module with its own loader, then applies its patch."""

    def __init__(self, loader, patch):
        self.loader = loader
        self.patch = patch

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        # The module keeps its real loader (for tracebacks, get_source).
        module.__spec__.loader = module.__loader__ = self.loader
        self.loader.exec_module(module)
        self.patch(module)


class PatchingFinder:
    """A ``sys.meta_path`` finder that only wraps the loader of
    :data:`PATCHES`' modules; every other import passes by in one dict
    lookup."""

    def find_spec(self, name, path=None, target=None):
        patch = PATCHES.get(name)
        if patch is None:
            return None
        from importlib.machinery import PathFinder
        spec = PathFinder.find_spec(name, path, target)
        if spec is None or spec.loader is None:
            return None
        spec.loader = PatchingLoader(spec.loader, patch)
        return spec


def install() -> None:
    """Patch the listed mmengine modules now or when they are imported.

    Idempotent. Called by the ``.pth`` file at interpreter start-up (when
    nothing is imported yet) and by ``import mmseg_hsp`` (when mmengine
    may already be imported).
    """
    for name, patch in PATCHES.items():
        if name in sys.modules:
            patch(sys.modules[name])
    if not any(isinstance(f, PatchingFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, PatchingFinder())
