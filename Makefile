# tongban: `make run` serves the demo on SQLite, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export TONGBAN_DATA_DIR ?= var

.PHONY: run test lint typecheck install bench clean

$(STAMP): requirements-dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/tongban migrate
	$(BIN)/tongban demo --if-empty --scale full
	$(BIN)/tongban serve --host 127.0.0.1 --port 8000

test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# Translations: collect the message ids (the Chinese texts) into a template and merge it into
# every catalogue under src/tongban/locale; new entries arrive untranslated (empty msgstr).
# pybabel sees only literal _("…") calls.  Entries for texts the code translates from
# constants (error templates, labels, field messages: _(error.template), label(value)) are
# added to a catalogue by hand; the step in between keeps them in the template for as long as
# their text still appears in the source, so that the update does not make them obsolete.
I18N_POT := $(VENV)/messages.pot

define I18N_KEEP_RUNTIME_IDS
import pathlib, sys
from babel.messages.pofile import read_po, write_po
pot_path, *po_paths = sys.argv[1:]
source = "\n".join(
    p.read_text(encoding="utf-8")
    for p in pathlib.Path("src/tongban").rglob("*")
    if p.suffix in (".py", ".html")
)
with open(pot_path, "rb") as fh:
    pot = read_po(fh)
for po_path in po_paths:
    with open(po_path, "rb") as fh:
        po = read_po(fh)
    for message in po:
        text = message.id
        if not text or not isinstance(text, str) or text in pot:
            continue
        if f'"{text}"' in source or f"'{text}'" in source:
            pot.add(text, auto_comments=["translated at run time, not in a _() call"])
with open(pot_path, "wb") as fh:
    write_po(fh, pot, width=0)
endef
export I18N_KEEP_RUNTIME_IDS

.PHONY: i18n
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext --no-wrap -o $(I18N_POT) src/tongban
	$(BIN)/python -c "$$I18N_KEEP_RUNTIME_IDS" $(I18N_POT) src/tongban/locale/*/LC_MESSAGES/messages.po
	$(BIN)/pybabel update -i $(I18N_POT) -d src/tongban/locale --no-fuzzy-matching --no-wrap
