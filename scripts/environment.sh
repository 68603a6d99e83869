# Sourced by scripts/serve and scripts/test: makes .venv and installs the project into it only when
# needed. .venv/giamngheo-installed remembers what was installed: a hash of pyproject.toml and the
# extras. A missing or broken .venv or a changed pyproject.toml installs again; otherwise nothing
# is downloaded or installed.

ensure_environment() {
  local target="$1" # "." (serve) or ".[dev]" (test)
  local stamp=.venv/giamngheo-installed
  local hash
  hash="$(python3 -c 'import hashlib; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest())')"

  if ! .venv/bin/python -c "" 2>/dev/null; then
    echo "creating the environment in .venv (python3 -m venv)…"
    rm -rf .venv
    python3 -m venv .venv
  fi
  # The development install (".[dev]") serves `serve` as well.
  if [ -f "$stamp" ] && { grep -qxF "$hash $target" "$stamp" || grep -qxF "$hash .[dev]" "$stamp"; }; then
    echo "environment up to date (pyproject.toml unchanged since the last install)"
    return
  fi
  echo "installing dependencies into .venv (pyproject.toml new or changed; takes a minute)…"
  rm -f "$stamp"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e "$target"
  echo "$hash $target" > "$stamp"
  echo "dependencies installed"
}
