# Two commands do all the set-up on a fresh machine:
#   make lab    opens the course in JupyterLab
#   make test   runs every test: the unit tests and all notebooks (offline profile)
# Both create the virtual environment in .venv first if it is missing or out of date.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: lab test outputs data clean

$(BIN)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# Linux without an NVIDIA GPU: the CPU build of the pinned torch first (PyPI's is a CUDA build of several GB).
	$(BIN)/python -m sft_helpers.machinery.requirements --install-torch
	$(BIN)/python -m pip install -r requirements.txt
	touch $@

# Jupyter refuses to start as root unless told; containers and cloud machines often run as root.
AS_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

# LAB_ARGS: more options for JupyterLab (the test of this target passes a port and a token).
lab: $(BIN)/.installed
	$(BIN)/jupyter lab notebooks/ $(AS_ROOT) $(LAB_ARGS)

test: $(BIN)/.installed
	$(BIN)/python -m pytest

# Re-run notebooks to refresh their stored outputs (all, or NB=notebooks/00_setup.ipynb).
outputs: $(BIN)/.installed
	$(BIN)/python tests/regenerate_outputs.py $(NB)

# Rewrite the bundled data sets in sft_helpers/machinery/data/ from their generator.
data: $(BIN)/.installed
	$(BIN)/python misc/tools/make_bundled_data.py

clean:
	rm -rf $(VENV) build *.egg-info
