# Two commands on a fresh machine:
#   make test   set up .venv and run the tests
#   make demo   set up .venv and run the paper's experiment (sklgrad paper)
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
# The CPU build of torch, installed before the project so that pip does not pull a CUDA build;
# where that build does not exist (another platform or Python), a plain torch install.
TORCH_CPU ?= torch==2.13.0+cpu
# Small networks train fastest on one thread; two threads on two busy cores were 10x slower.
export OMP_NUM_THREADS ?= 1

.PHONY: setup test demo bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile "$(TORCH_CPU)" \
	  || $(BIN)/python -m pip install --quiet "torch>=2.2"
	$(BIN)/python -m pip install --quiet -e ".[test,benchmarks]"
	touch $@

setup: $(BIN)/.installed

# One pytest worker per core (each on one thread), a test file to a worker; pytest exits 5
# when it collected no test: a failure here, not a pass.
TEST_WORKERS ?= 2
test: setup
	$(BIN)/python -m pytest -q --durations=20 -n $(TEST_WORKERS) --dist loadfile; \
	  status=$$?; \
	  if [ $$status -eq 5 ]; then echo "no test was collected" >&2; exit 1; fi; exit $$status

demo: setup
	$(BIN)/sklgrad paper --out sklgrad-paper

bench: setup
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) sklgrad-paper sklgrad-fit sklgrad-select
