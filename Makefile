# The two commands of the README. Both set up the environment first (a no-op
# when it is ready): see tools/setup_env.sh.
PYTHON ?= python3
export PYTHON

.PHONY: setup demo test
setup:
	bash tools/setup_env.sh

demo: setup
	$(PYTHON) tools/demo.py

test: setup
	$(PYTHON) -m pytest tests
