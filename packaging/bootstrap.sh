#!/usr/bin/env bash
# Caliper bootstrap: system packages + .venv, then open the demo or run every check.
#
#   bash packaging/bootstrap.sh demo    [caliper demo args...]  install, then open the workstation
#   bash packaging/bootstrap.sh test    [pytest args...]        install, then lint, type-check, test
#   bash packaging/bootstrap.sh install                         install only
#
# Works on a fresh Debian 12 with only python3 (3.11). apt-get runs as root, through sudo when
# not root, and is skipped entirely when every package is already installed. The pip install is
# skipped while .venv/.caliper-installed is newer than pyproject.toml.
#
# Environment:
#   CALIPER_PYTHON=/path/python3.11   interpreter for .venv (default: python3 on PATH)
#   CALIPER_SKIP_APT=1                never call apt-get (non-Debian hosts, locked-down machines)
#   CALIPER_REINSTALL=1               re-run the pip install even when the stamp is fresh
#
# Headless display for the tests: pytest runs with the pytest-xvfb plugin (a dev dependency).
# It starts its own Xvfb inside the pytest process, also when a developer runs plain
# `.venv/bin/pytest`, so CI and local runs see the same 1600x1000x24 screen and no test window
# pops up on a desktop. It picks a free display number race-free (Xvfb -displayfd), unlike
# `xvfb-run -a`. xvfb-run is used only where pytest is not involved (benchmarks, headless demo)
# and as a fallback when the plugin is not installed.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

VENV="$REPO_ROOT/.venv"
STAMP="$VENV/.caliper-installed"
SCREEN="1600x1000x24"
PYTHON="${CALIPER_PYTHON:-python3}"

APT_PACKAGES=(
    xvfb xauth libgl1 libegl1 libosmesa6
    libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxcursor1
    libfontconfig1 libdbus-1-3 libglib2.0-0 libportaudio2
    nats-server dicom3tools
)

say() { printf 'bootstrap: %s\n' "$*"; }
die() { printf 'bootstrap: ERROR: %s\n' "$*" >&2; exit 1; }
banner() { printf '\n==> %s\n' "$*"; }

usage() {
    cat <<'EOF'
usage: bash packaging/bootstrap.sh demo|test|install [args...]
  demo     install, then run `caliper demo` (args go to caliper demo)
  test     install, then ruff, ruff format --check, mypy, lint-imports, pytest
           (args go to pytest), and the quick benchmark smoke run
  install  install system packages and .venv only
EOF
}

# Non-interactive runs (CI, no tty): never prompt, keep logs short.
if [[ -n "${CI:-}" || ! -t 0 ]]; then
    export PIP_NO_INPUT="${PIP_NO_INPUT:-1}"
    export PIP_PROGRESS_BAR="${PIP_PROGRESS_BAR:-off}"
fi

# ------------------------------------------------------------------ system packages

is_installed() {  # dpkg says "ii" only for a fully installed package (not "rc", "un", unknown)
    dpkg-query -W -f='${db:Status-Abbrev}\n' "$1" 2>/dev/null | grep -q '^ii'
}

python_has_venv() {  # Debian ships ensurepip in python3.X-venv; without it `-m venv` fails
    command -v "$PYTHON" >/dev/null 2>&1 && "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1
}

install_system_packages() {
    if [[ -n "${CALIPER_SKIP_APT:-}" ]]; then
        say "CALIPER_SKIP_APT set: not checking system packages"
        return
    fi
    local wanted=("${APT_PACKAGES[@]}")
    if ! python_has_venv; then
        wanted+=(python3 python3-venv python3-pip)
    fi
    command -v dpkg-query >/dev/null 2>&1 \
        || die "dpkg-query not found: this script targets Debian 12. Install the equivalents of: ${wanted[*]} (or set CALIPER_SKIP_APT=1)"

    local missing=() pkg
    for pkg in "${wanted[@]}"; do
        is_installed "$pkg" || missing+=("$pkg")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        say "system packages: all ${#wanted[@]} installed, skipping apt"
        return
    fi

    local sudo=()
    if [[ "$(id -u)" -ne 0 ]]; then
        if ! command -v sudo >/dev/null 2>&1; then
            die "not root and no sudo. Ask an administrator to run:
  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}
then re-run this command."
        fi
        sudo=(sudo)
        [[ -t 0 ]] || sudo=(sudo -n)  # no terminal: fail at once instead of waiting for a password
    fi
    banner "apt-get install ${missing[*]}"
    local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600)
    "${apt[@]}" update
    "${apt[@]}" install -y --no-install-recommends "${missing[@]}"
}

# ------------------------------------------------------------------ python venv

python_version() { "$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])'; }

check_python_version() {
    command -v "$PYTHON" >/dev/null 2>&1 \
        || die "'$PYTHON' not found. Caliper needs Python >= 3.11 (Debian 12: apt-get install python3)."
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "Caliper needs Python >= 3.11, but '$PYTHON' ($(command -v "$PYTHON")) is $(python_version).
Install Python 3.11 (Debian 12: apt-get install python3) or point CALIPER_PYTHON at one."
}

check_python() {
    check_python_version
    python_has_venv \
        || die "'$PYTHON' $(python_version) cannot create a venv (no ensurepip). Debian: apt-get install python3-venv"
}

venv_ok() {
    [[ -x "$VENV/bin/python" ]] \
        && "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1
}

install_venv() {
    check_python
    if [[ -d "$VENV" ]] && ! venv_ok; then
        say ".venv is broken or older than Python 3.11: recreating it"
        rm -rf "$VENV"
    fi
    if [[ ! -d "$VENV" ]]; then
        banner "creating .venv with $("$PYTHON" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
        "$PYTHON" -m venv "$VENV"
    fi
    if [[ -z "${CALIPER_REINSTALL:-}" && -f "$STAMP" && "$STAMP" -nt pyproject.toml ]]; then
        say ".venv is up to date with pyproject.toml, skipping pip (CALIPER_REINSTALL=1 forces it)"
        return
    fi
    banner "pip install -e '.[dev]'"
    "$VENV/bin/python" -m pip install --upgrade pip
    "$VENV/bin/python" -m pip install -e '.[dev]'
    touch "$STAMP"
}

install_all() {
    # A python3 that is too old fails here, before apt-get; a missing one is installed by apt.
    if command -v "$PYTHON" >/dev/null 2>&1; then check_python_version; fi
    install_system_packages
    install_venv
}

# ------------------------------------------------------------------ modes

run_demo() {
    if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
        say "no DISPLAY or WAYLAND_DISPLAY: starting the workstation on a virtual X server (xvfb-run)."
        say "hint: run this from a desktop session (or ssh -X) to see the window; Ctrl+C stops it."
        export QT_QPA_PLATFORM=xcb
        exec xvfb-run -a -s "-screen 0 $SCREEN" "$VENV/bin/caliper" demo "$@"
    fi
    exec "$VENV/bin/caliper" demo "$@"
}

STEP=0
STEPS=6

step() {  # step NAME COMMAND...: banner, run, stop everything on the first failure
    local name="$1" start=$SECONDS rc=0
    shift
    STEP=$((STEP + 1))
    banner "[$STEP/$STEPS] $name"
    "$@" || rc=$?
    if [[ $rc -ne 0 ]]; then
        printf '\n!!! FAILED: step %d/%d "%s" (exit %d)\n' "$STEP" "$STEPS" "$name" "$rc" >&2
        exit "$rc"
    fi
    say "ok: $name ($((SECONDS - start)) s)"
}

pytest_once() {  # pytest under the virtual screen; exit 5 (nothing collected) is returned as is
    local rc=0
    if "$VENV/bin/python" -c 'import pytest_xvfb' >/dev/null 2>&1; then
        "$VENV/bin/pytest" -o xvfb_width=1600 -o xvfb_height=1000 -o xvfb_colordepth=24 "$@" \
            || rc=$?
    else
        say "pytest-xvfb not installed: falling back to xvfb-run"
        xvfb-run -a -s "-screen 0 $SCREEN" "$VENV/bin/pytest" "$@" || rc=$?
    fi
    return "$rc"
}

run_pytest() {  # .venv/bin/pytest, not `python -m pytest`: -m puts the repo root first on
    local rc=0 timing_rc=0  # sys.path, where a top-level folder could shadow an installed module
    export QT_QPA_PLATFORM=xcb
    # One worker per core (pytest-xdist): most tests wait on nats-server, subprocesses or disk,
    # so two workers on two cores halve the run. CALIPER_TEST_WORKERS=0 runs in one process.
    pytest_once -n "${CALIPER_TEST_WORKERS:-auto}" -m "not timing" "$@" || rc=$?
    # Tests that time the event loop (a 20 ms heartbeat, no stall over 100 ms) run afterwards
    # in one process, so a second worker does not share their CPU.
    pytest_once -p no:xdist -m timing "$@" || timing_rc=$?
    if [[ $rc -eq 5 && $timing_rc -eq 5 ]]; then
        printf '\n*** WARNING: pytest collected NO tests (exit 5). Nothing was tested. ***\n\n' >&2
        return 0
    fi
    [[ $rc -eq 5 ]] && rc=0
    [[ $timing_rc -eq 5 ]] && timing_rc=0
    [[ $rc -ne 0 ]] && return "$rc"
    return "$timing_rc"
}

run_bench_smoke() {
    if [[ ! -f tests/bench/run_all.py ]]; then
        say "tests/bench/run_all.py not present: skipped"
        return 0
    fi
    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 $SCREEN" \
        "$VENV/bin/python" -m tests.bench.run_all --quick
}

run_test() {
    local t0=$SECONDS
    step "ruff check" "$VENV/bin/ruff" check .
    step "ruff format --check" "$VENV/bin/ruff" format --check .
    step "mypy" "$VENV/bin/mypy"
    step "lint-imports" "$VENV/bin/lint-imports"
    step "pytest (headless)" run_pytest "$@"
    step "benchmarks --quick" run_bench_smoke
    printf '\n==> all %d steps passed in %d s\n' "$STEPS" "$((SECONDS - t0))"
}

mode="${1:-}"
[[ $# -gt 0 ]] && shift
case "$mode" in
    demo)    install_all; run_demo "$@" ;;
    test)    install_all; run_test "$@" ;;
    install)
        [[ $# -eq 0 ]] || { usage >&2; exit 2; }
        install_all
        say "installed. Open the workstation: bash packaging/bootstrap.sh demo"
        ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
esac
