"""The error of an argument that cannot be used, named as it was passed.

A function of the API names its keyword (``amp='fp16': float16 autocast is
for CUDA; ...``); a tool that passes its flags through to that function
names the flag instead (``test.py: error: --amp fp16: ...``,
:func:`mmseg_hsp.cli.errors.exit_on_error`): one error, two callers, each
told in their own words.
"""


class ArgumentError(ValueError):
    """An argument that cannot be used, and the fix.

    Args:
        keyword (str): The argument's name (a tool's flag has the same
            name, ``work_dir`` for ``--work-dir``).
        value: What was passed.
        problem (str): What is wrong with it and what to do, in words that
            do not name the argument.
    """

    def __init__(self, keyword: str, value, problem: str):
        self.keyword = keyword
        self.value = value
        self.problem = problem
        super().__init__(f'{keyword}={value!r}: {problem}')

    def as_flag(self, flag: str) -> str:
        """The message naming ``flag`` (``'--amp'``) for the argument."""
        return f'{flag} {self.value}: {self.problem}'
