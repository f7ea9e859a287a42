"""The commands the docs show exist, with the flags the docs give them.

Every command in a code span or block of README.md and docs/*.md
(``python tools/X.py``, ``tools/X.sh``, ``python -m mmseg_hsp.cli.X``, the
installed ``mmseg-hsp-*`` commands) answers ``--help``, run in this process,
and each ``--flag`` written after it is one its parser defines (for a shell
script, one of its own options or of the tool it passes its arguments to).
A span that is a flag alone must be some tool's flag or one of another
program's listed below.
"""
import argparse
import ast
import contextlib
import glob
import importlib
import io
import os.path as osp
import re
import runpy
import sys
from functools import lru_cache
from unittest import mock

import pytest

from conftest import REPO_ROOT

DOCS = [osp.join(REPO_ROOT, 'README.md')] + sorted(
    glob.glob(osp.join(REPO_ROOT, 'docs', '*.md')))
TOOLS = osp.join(REPO_ROOT, 'tools')
# Shell scripts that hand their extra arguments to a Python tool.
FORWARDS = {
    'tools/dist_train.sh': 'tools/train.py',
    'tools/dist_test.sh': 'tools/test.py',
    'tools/misc/crossval_train.sh': 'tools/train.py',
    'tools/benchmarks/wsi_gpu.sh': 'tools/benchmarks/wsi.py',
}
# Flags the docs give, on their own, to other programs (pip).
OTHER_PROGRAMS = {'--no-deps'}

FENCE = re.compile(r'^```[^\n]*\n(.*?)^```', re.M | re.S)
SPAN = re.compile(r'(?<!`)`([^`\n]+)`(?!`)')
FLAG = re.compile(r'(?<![\w-])--[a-zA-Z][\w-]*')
# A command: a path under tools/ (or a tool's unique file name), a module
# run with -m, or an installed console script.
COMMAND = re.compile(r'(?<![\w/.-])(?:(tools/[\w/]+\.(?:py|sh))'
                     r'|([\w]+\.(?:py|sh))'
                     r'|-m (mmseg_hsp\.cli\.\w+)'
                     r'|(mmseg-hsp-[\w-]+))(?![\w-])')


def tool_names():
    """Each file under tools/ by its name, where no other has that name."""
    paths = [
        osp.relpath(p, REPO_ROOT).replace(osp.sep, '/')
        for p in glob.glob(osp.join(TOOLS, '**', '*.*'), recursive=True)
        if p.endswith(('.py', '.sh'))
    ]
    names = [p.rsplit('/', 1)[-1] for p in paths]
    return {n: p for n, p in zip(names, paths) if names.count(n) == 1}


def snippets(text):
    """Shell lines of the code blocks and the inline code spans."""
    for block in FENCE.findall(text):
        yield from block.replace('\\\n', ' ').splitlines()
    yield from SPAN.findall(FENCE.sub('', text))


def documented_commands():
    """``{command: {flag: [doc, ...]}}`` for every command in the docs."""
    by_name = tool_names()
    found = {}
    for doc in DOCS:
        with open(doc) as f:
            text = f.read()
        for snippet in snippets(text):
            code = re.split(r'\s#', snippet)[0]  # not the shell comment
            for part in re.split(r'&&|\|\||[;|]', code):
                matches = list(COMMAND.finditer(part))
                for match, after in zip(matches, matches[1:] + [None]):
                    path, name, module, script = match.groups()
                    if name:
                        if name not in by_name:
                            continue  # a file that is no tool
                        path = by_name[name]
                    command = path or module or script
                    tail = part[match.end():after.start() if after else None]
                    flags = found.setdefault(command, {})
                    for flag in FLAG.findall(tail):
                        flags.setdefault(flag, []).append(
                            osp.basename(doc))
    return found


def console_scripts():
    """The installed ``mmseg-hsp-*`` commands and their cli modules."""
    with open(osp.join(REPO_ROOT, 'setup.py')) as f:
        tree = ast.parse(f.read())
    (commands, ) = [
        node.value for node in tree.body if isinstance(node, ast.Assign)
        and [ast.unparse(t) for t in node.targets] == ['COMMANDS']
    ]
    return {f'mmseg-hsp-{name}': f'mmseg_hsp.cli.{module}'
            for name, module in ast.literal_eval(commands).items()}


class Parsed(BaseException):
    """Raised where the tool would parse its arguments (no ``Exception``,
    so that no ``except Exception`` of the tool takes it)."""


@lru_cache(maxsize=None)
def tool_parser(command):
    """The parser the command's ``main`` builds, caught where it parses.

    Args:
        command (str): ``tools/X.py``, ``mmseg_hsp.cli.X`` or an installed
            ``mmseg-hsp-*`` command.
    """
    if command.startswith('tools/'):
        path = osp.join(REPO_ROOT, command)

        def run():
            runpy.run_path(path, run_name='__main__')
    else:
        module = console_scripts().get(command, command)

        def run():
            importlib.import_module(module).main()

    parsers = []

    def parse_known_args(self, args=None, namespace=None):
        parsers.append(self)
        raise Parsed

    with mock.patch.object(argparse.ArgumentParser, 'parse_known_args',
                           parse_known_args), \
            mock.patch.object(sys, 'argv', [command]), \
            pytest.raises(Parsed):
        run()
    return parsers[0]


def shell_options(command):
    """The ``--options`` a shell script's ``case`` patterns accept."""
    with open(osp.join(REPO_ROOT, command)) as f:
        patterns = re.findall(r'^\s*([-\w|]+)\)', f.read(), re.M)
    return {flag for p in patterns for flag in p.split('|')}


def known_flags(command):
    """The flags ``command`` (or the tool it passes them to) defines."""
    if command.endswith('.sh'):
        flags = shell_options(command)
        if command in FORWARDS:
            flags |= known_flags(FORWARDS[command])
        return flags
    return set(tool_parser(command)._option_string_actions)


COMMANDS = documented_commands()


def test_the_docs_name_the_tools():
    # The scan itself: a doc that loses its commands or a pattern that
    # stops matching would make the checks below pass on nothing.
    assert {'tools/train.py', 'tools/test.py', 'tools/infer_wsi.py',
            'tools/dist_train.sh', 'mmseg-hsp-infer-wsi'} <= set(COMMANDS)
    assert {'--amp', '--tta', '--show-dir'} <= set(
        flag for flags in COMMANDS.values() for flag in flags)


@pytest.mark.parametrize('command', sorted(COMMANDS))
def test_documented_command_exists_and_answers_help(command):
    if command.startswith('tools/'):
        assert osp.isfile(osp.join(REPO_ROOT, command)), command
    if command.startswith('mmseg-hsp-'):
        assert command in console_scripts(), 'setup.py installs no such one'
    if command.endswith('.sh'):
        return  # a script is not run here: it installs or launches
    parser = tool_parser(command)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as end:
        parser.parse_args(['--help'])
    assert end.value.code == 0
    assert out.getvalue().startswith('usage: ')


@pytest.mark.parametrize('command', sorted(COMMANDS))
def test_documented_flags_exist(command):
    unknown = {
        flag: docs
        for flag, docs in COMMANDS[command].items()
        if flag not in known_flags(command)
    }
    assert unknown == {}, f'{command} has no such flag (docs: {unknown})'


def test_every_flag_on_its_own_is_a_tools_flag():
    defined = set(OTHER_PROGRAMS)
    for command in COMMANDS:
        defined |= known_flags(command)
    unknown = {}
    for doc in DOCS:
        with open(doc) as f:
            spans = SPAN.findall(FENCE.sub('', f.read()))
        for span in spans:
            match = re.match(r'(--[a-zA-Z][\w-]*)', span)
            if match and match.group(1) not in defined:
                unknown.setdefault(match.group(1), set()).add(
                    osp.basename(doc))
    assert unknown == {}
