"""mmseg_hsp: HSP-Net (Meng et al.) as an MMSegmentation 1.x plugin."""
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name):
    with open(osp.join(HERE, 'requirements', name)) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


def read_version():
    scope = {}
    with open(osp.join(HERE, 'mmseg_hsp', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mmseg_hsp',
    version=read_version(),
    description='HSP-Net for cervical precancerous segmentation of H&E '
    'slides, as an MMSegmentation plugin, with whole-slide inference',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    author='mmseg_hsp contributors',
    license='Apache License 2.0',
    python_requires='>=3.9',
    packages=find_packages(exclude=('tests', 'tools', 'configs')),
    # Configs travel inside the package, as mmseg ships mmseg/.mim/configs,
    # so `_base_ = 'mmseg_hsp::hspnet_r101_mtchi.py'` works after install.
    # In the repo, mmseg_hsp/.mim/configs is a link to configs/.
    package_data={
        'mmseg_hsp': ['.mim/model-index.yml', '.mim/configs/*.py',
                      '.mim/configs/*/*.py', '.mim/configs/*/*/*.py']
    },
    include_package_data=False,
    install_requires=read_requirements('runtime.txt'),
    extras_require={'tests': read_requirements('tests.txt')},
    classifiers=[
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Image Recognition',
        'Topic :: Scientific/Engineering :: Medical Science Apps.',
    ],
    zip_safe=False)
