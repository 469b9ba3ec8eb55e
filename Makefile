# The two set-up commands: `make demo` (the main job) and `make test` (the suite).
# Each creates .venv from scratch when it is missing or older than pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_OUT ?= demo-output

.PHONY: demo test lint venv clean dicom-tools fuzz xcat-phantom

venv: $(STAMP)

$(STAMP): pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/lowcount demo --out $(DEMO_OUT)

# dciodvfy (Debian package dicom3tools) validates every DICOM file the tests write and dcmcjpeg (dcmtk)
# makes JPEG-lossless test files;
# install them when missing and we are allowed to (root with apt-get), otherwise those tests skip with a reason.
dicom-tools:
	@command -v dciodvfy >/dev/null 2>&1 && command -v dcmcjpeg >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dicom3tools dcmtk >/dev/null) \
	      || echo "warning: could not install dicom3tools/dcmtk; the tests that need them will be skipped"; \
	  else echo "warning: dciodvfy/dcmcjpeg missing and apt-get unavailable; the tests that need them will be skipped"; fi; }

test: $(STAMP) dicom-tools
	$(BIN)/ruff check src tests
	$(BIN)/lint-imports --no-logo
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

# Coverage-guided fuzzing of the DICOM reader (Atheris), for long runs outside the suite; crashes are saved as
# crash-* files: copy them to tests/fuzz/crashes/ to make them regression tests.
FUZZ_SECONDS ?= 600
fuzz: $(STAMP)
	$(BIN)/pip install --quiet 'atheris>=2.3'
	mkdir -p fuzz-crashes fuzz-corpus
	$(BIN)/python tests/fuzz/atheris_reader.py -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=fuzz-crashes/ fuzz-corpus/

# Rebuild the shipped real-anatomy phantom (src/lowcount/phantom/xcat/mesh50_xcat_2p4mm.npz) from the
# mesh50_XCAT zip: about 5 minutes and 6 GB of memory.
XCAT_ZIP ?= ../shared/data/mesh50_xcat/Voxelized_mesh50XCAT_WholeBody.zip
xcat-phantom: $(STAMP)
	$(BIN)/python -m lowcount.phantom.xcat.build $(XCAT_ZIP)

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/lint-imports --no-logo

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache
