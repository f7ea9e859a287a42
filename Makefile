# The two commands of the README. Both set up the environment first (a no-op
# when it is ready): see tools/setup_env.sh.
#
# Which Python: the active virtualenv's or conda env's; otherwise the
# project's own virtualenv $(VENV), made on first use, since a system Python
# (Debian's, Ubuntu's: PEP 668) refuses pip installs. `make PYTHON=...` picks
# any other interpreter.
VENV ?= .venv
ifneq ($(VIRTUAL_ENV),)
PYTHON ?= $(VIRTUAL_ENV)/bin/python
else ifneq ($(CONDA_PREFIX),)
PYTHON ?= $(CONDA_PREFIX)/bin/python
else
PYTHON ?= $(VENV)/bin/python
endif
export PYTHON

.PHONY: setup demo test table5
setup: $(filter $(VENV)/bin/python,$(PYTHON))
	bash tools/setup_env.sh

$(VENV)/bin/python:
	bash tools/make_venv.sh $(VENV)

demo: setup
	$(PYTHON) tools/demo.py

test: setup
	$(PYTHON) -m pytest tests

# Table 5 in miniature on CPU (tools/reproduce_table5.py; 3 seeds).
table5: setup
	$(PYTHON) tools/reproduce_table5.py --preset cpu
