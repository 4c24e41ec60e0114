#!/usr/bin/env bash
# The GPU check, on the GPU machine, from the repository root:   bash tests/Cuda.Device/run.sh
#
# Runs the published WdGen.Cuda.Device (tests/Cuda.Device/publish.sh, carried as artifacts/cuda-device: no .NET needed)
# and PyTorch's own fused/foreach AdamW on the same shapes, then writes $OUT/results.md. Everything it learns goes to
# $OUT: env.txt, gpu.csv, wdgen.json/.md/.log, torch.json/.log, ptx/ (the PTX NVRTC compiled), results.md.
# Total time stays under WDGEN_RUN_BUDGET_S (450 s) however slow the start: each part's timeout is what is left.
#
# Exit: 0 all passed; 2 not runnable here (no nvidia-smi, no GPU listed, no published program; one line on stderr,
# within seconds); otherwise the program's exit code (1: a mismatch or failed check; 124: timed out), else PyTorch's.
#
# Environment (all optional): OUT (default artifacts/cuda-device-results); QUICK=1 (--quick for both parts);
# WDGEN_DEVICE_ARGS (more program arguments); PYTHON (the python with torch; else the first of python3, python,
# /usr/bin/python3, /usr/local/bin/python3 that imports torch); WDGEN_NVRTC (NVRTC library to use; else the newest found
# whose major version the driver supports, from the CUDA toolkit or PyTorch's pip packages); WDGEN_NVIDIA_SMI
# (default nvidia-smi) and WDGEN_DEVICE_APP_DIR (default artifacts/cuda-device), which the test suite uses to check the
# fail-fast paths without a GPU.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 2
START=$SECONDS
BUDGET=${WDGEN_RUN_BUDGET_S:-450}
OUT=${OUT:-artifacts/cuda-device-results}
mkdir -p "$OUT" || { echo "run.sh: cannot create the results folder $OUT" >&2; exit 2; }
OUT=$(cd "$OUT" && pwd)
APP_DIR=${WDGEN_DEVICE_APP_DIR:-artifacts/cuda-device}
SMI=${WDGEN_NVIDIA_SMI:-nvidia-smi}
ENV_FILE="$OUT/env.txt"
: > "$ENV_FILE"
QUICK_ARG=""
[ "${QUICK:-0}" = 1 ] && QUICK_ARG="--quick"

note() { echo "$*" | tee -a "$ENV_FILE"; }
remaining() { echo $((BUDGET - (SECONDS - START))); }
clamp() { # value low high
    local v=$1
    [ "$v" -lt "$2" ] && v=$2
    [ "$v" -gt "$3" ] && v=$3
    echo "$v"
}
stop() { # exit code, the one clear line (also written as results.md)
    echo "run.sh: $2" >&2
    printf '# WdGen GPU check: not run\n\n%s\n' "$2" > "$OUT/results.md"
    exit "$1"
}

# 1. Fail fast: a driver that lists a GPU, and the published program.
command -v "$SMI" > /dev/null 2>&1 \
    || stop 2 "nvidia-smi not found ($SMI): this machine has no NVIDIA driver. Run this on the GPU machine."
GPUS=$(timeout 30 "$SMI" -L 2>&1)
SMI_RC=$?
if [ "$SMI_RC" -ne 0 ] || ! grep -q '^GPU [0-9]' <<< "$GPUS"; then
    stop 2 "nvidia-smi lists no GPU (exit $SMI_RC): $(head -3 <<< "$GPUS" | tr '\n' ' ')"
fi
APP="$APP_DIR/WdGen.Cuda.Device"
[ -f "$APP" ] || stop 2 "$APP is missing: run tests/Cuda.Device/publish.sh first and carry artifacts/cuda-device"

# 2. What this machine is.
note "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); host: $(uname -srm), $(nproc) cores"
note "$GPUS"
timeout 30 "$SMI" --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.csv" 2>&1
cat "$OUT/gpu.csv" | tee -a "$ENV_FILE"
DRIVER_CUDA=$(timeout 30 "$SMI" 2>/dev/null | grep -o 'CUDA Version: *[0-9][0-9.]*' | grep -o '[0-9][0-9.]*' | head -1)
note "driver's CUDA version: ${DRIVER_CUDA:-unknown}"

PY=""
TORCH_VERSION=""
for candidate in ${PYTHON:-python3 python /usr/bin/python3 /usr/local/bin/python3}; do
    command -v "$candidate" > /dev/null 2>&1 || continue
    if TORCH_VERSION=$(timeout 45 "$candidate" -c 'import torch; print(torch.__version__, torch.version.cuda)' 2>&1); then
        PY=$candidate
        break
    fi
done
note "python with torch: ${PY:-none} ($(tail -1 <<< "${TORCH_VERSION:-no python found}"))"

# 3. NVRTC: the CUDA backend loads libnvrtc.so.13 / .12 / ... from the library path, or WDGEN_NVRTC. PTX from an NVRTC
# newer than the driver (nvidia-smi's "CUDA Version") does not load, so: list every NVRTC of the CUDA toolkits and of
# PyTorch's pip packages, newest first among those the driver's version allows, and, when there are several, keep the
# first with which the program compiles and loads its kernels (a probe of a few seconds). Its folder, and the toolkit's
# lib64, go on the program's LD_LIBRARY_PATH only (APP_LIBRARY_PATH; PyTorch keeps its own).
APP_LIBRARY_PATH=${LD_LIBRARY_PATH:-}
nvrtc_dirs() {
    [ -n "${CUDA_HOME:-}" ] && echo "$CUDA_HOME/lib64"
    [ -n "${CUDA_PATH:-}" ] && echo "$CUDA_PATH/lib64"
    echo /usr/local/cuda/lib64
    echo /usr/local/cuda/targets/x86_64-linux/lib
    ls -d /usr/local/cuda-*/lib64 2> /dev/null | sort -rV
    echo /usr/lib/x86_64-linux-gnu
    [ -n "$PY" ] && timeout 45 "$PY" - 2> /dev/null << 'EOF2'
import glob, os, site
roots = []
for get in (site.getsitepackages, lambda: [site.getusersitepackages()]):
    try:
        roots += get()
    except Exception:
        pass
try:
    import nvidia
    roots += [os.path.dirname(p) for p in nvidia.__path__]
except Exception:
    pass
try:
    import torch
    print(os.path.join(os.path.dirname(torch.__file__), "lib"))
except Exception:
    pass
seen = set()
for root in roots:
    for f in sorted(glob.glob(os.path.join(root, "nvidia", "**", "libnvrtc*.so*"), recursive=True)):
        if os.path.dirname(f) not in seen:
            seen.add(os.path.dirname(f))
            print(os.path.dirname(f))
EOF2
}
nvrtc_version() { # MAJOR.MINOR from a library's name or its target's (libnvrtc.so.13.0.48, libnvrtc-abc.so.11.2), else MAJOR.99, else 0.0
    local name best=""
    for name in "$(basename "$1")" "$(basename "$(readlink -f "$1")")"; do
        if [[ $name =~ \.so\.([0-9]+)\.([0-9]+) ]]; then
            echo "${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
            return
        fi
        [[ -z $best && $name =~ \.so\.([0-9]+) ]] && best="${BASH_REMATCH[1]}.99"
    done
    echo "${best:-0.0}"
}
version_le() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" = "$1" ]; }
on_library_path() { # prepends a folder to APP_LIBRARY_PATH once
    case ":$APP_LIBRARY_PATH:" in *":$1:"*) ;; *) APP_LIBRARY_PATH="$1${APP_LIBRARY_PATH:+:$APP_LIBRARY_PATH}" ;; esac
}
for d in /usr/local/cuda/lib64 ${CUDA_HOME:+$CUDA_HOME/lib64}; do
    [ -d "$d" ] && on_library_path "$d"
done
NVRTC_CANDIDATES=()
if [ -n "${WDGEN_NVRTC:-}" ]; then
    NVRTC_CANDIDATES=("$WDGEN_NVRTC")
else
    DRIVER_VERSION=${DRIVER_CUDA:-999.0}
    declare -A SEEN_NVRTC=()
    LISTED=""
    while read -r dir; do
        for f in "$dir"/libnvrtc*.so*; do
            [ -e "$f" ] || continue
            case "$(basename "$f")" in libnvrtc.so | *builtins* | *alt*) continue ;; esac # the versioned names only
            real=$(readlink -f "$f")
            [ -n "${SEEN_NVRTC[$real]:-}" ] && continue
            SEEN_NVRTC[$real]=1
            version=$(nvrtc_version "$f")
            allowed=1
            if [[ $version == *.99 ]]; then # minor unknown: compare the majors
                [ "${version%%.*}" -le "${DRIVER_VERSION%%.*}" ] || allowed=0
            else
                version_le "$version" "$DRIVER_VERSION" || allowed=0
            fi
            newer=""
            [ "$allowed" = 0 ] && newer=", newer than the driver's CUDA $DRIVER_VERSION"
            note "NVRTC found: $f (version $version$newer)"
            LISTED+="$allowed $version $f"$'\n'
        done
    done < <(nvrtc_dirs | awk '!seen[$0]++')
    # Allowed first, newest first; then the rest, oldest first.
    while read -r _ _ f; do
        [ -n "$f" ] && NVRTC_CANDIDATES+=("$f")
    done < <(printf '%s' "$LISTED" | awk '$1 == 1' | sort -k2,2Vr; printf '%s' "$LISTED" | awk '$1 == 0' | sort -k2,2V)
fi

# The program must be executable (a copy that lost the execute bit is run from a temporary copy).
if [ ! -x "$APP" ]; then
    chmod u+x "$APP" 2> /dev/null || true
fi
if [ ! -x "$APP" ]; then
    COPY=$(mktemp -d)/cuda-device
    cp -r "$APP_DIR" "$COPY" && chmod u+x "$COPY/WdGen.Cuda.Device" && APP="$COPY/WdGen.Cuda.Device"
fi
export WDGEN_PTX_CACHE="$OUT/ptx"
export CUDA_CACHE_PATH="${TMPDIR:-/tmp}/wdgen-cuda-jit-cache"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

NVRTC=""
if [ "${#NVRTC_CANDIDATES[@]}" -eq 1 ]; then
    NVRTC=${NVRTC_CANDIDATES[0]}
elif [ "${#NVRTC_CANDIDATES[@]}" -gt 1 ]; then
    for candidate in "${NVRTC_CANDIDATES[@]}"; do
        [ "$(remaining)" -gt 300 ] || break
        LD_LIBRARY_PATH="$(dirname "$candidate")${APP_LIBRARY_PATH:+:$APP_LIBRARY_PATH}" WDGEN_NVRTC="$candidate" \
            timeout -k 5 60 "$APP" --out "$OUT/probe" --skip-correctness --skip-benchmark > "$OUT/probe.log" 2>&1
        PROBE_RC=$?
        note "probe with $candidate: exit $PROBE_RC $(tail -1 "$OUT/probe.log" | cut -c1-300)"
        if [ "$PROBE_RC" -eq 0 ]; then
            NVRTC=$candidate
            break
        fi
    done
    NVRTC=${NVRTC:-${NVRTC_CANDIDATES[0]}}
fi
[ -n "$NVRTC" ] && on_library_path "$(dirname "$NVRTC")" # and its libnvrtc-builtins
note "NVRTC: ${NVRTC:-none found (the program will say what it tried)}"
note "the program's LD_LIBRARY_PATH: $APP_LIBRARY_PATH"

# 4. WdGen.Cuda.Device: correctness against the CPU engine, then the benchmark.
APP_LIMIT=$(clamp $(($(remaining) - 160)) 30 300)
note "running $APP --out $OUT $QUICK_ARG ${WDGEN_DEVICE_ARGS:-} (timeout ${APP_LIMIT}s)"
# shellcheck disable=SC2086 # the arguments are meant to split
LD_LIBRARY_PATH="$APP_LIBRARY_PATH" WDGEN_NVRTC="$NVRTC" \
    timeout -k 10 "$APP_LIMIT" "$APP" --out "$OUT" $QUICK_ARG ${WDGEN_DEVICE_ARGS:-} 2>&1 | tee "$OUT/wdgen.log"
WDGEN_RC=${PIPESTATUS[0]}
note "WdGen.Cuda.Device exit code: $WDGEN_RC after $((SECONDS - START)) s"

# 5. PyTorch's fused and foreach AdamW on the same shapes.
TORCH_LIMIT=$(clamp $(($(remaining) - 15)) 10 150)
if [ -n "$PY" ]; then
    note "running $PY tests/Cuda.Device/torch_fused_adamw.py --out $OUT $QUICK_ARG (timeout ${TORCH_LIMIT}s)"
    # shellcheck disable=SC2086
    timeout -k 10 "$TORCH_LIMIT" "$PY" tests/Cuda.Device/torch_fused_adamw.py --out "$OUT" $QUICK_ARG 2>&1 | tee "$OUT/torch.log"
    TORCH_RC=${PIPESTATUS[0]}
else
    echo "run.sh: no python that imports torch (tried ${PYTHON:-python3 python /usr/bin/python3 /usr/local/bin/python3}): PyTorch part skipped" | tee "$OUT/torch.log" >&2
    TORCH_RC=2
fi
note "torch_fused_adamw.py exit code: $TORCH_RC after $((SECONDS - START)) s"

# 6. One results file.
COMBINE_RC=1
for candidate in "$PY" python3 /usr/bin/python3; do
    [ -n "$candidate" ] && command -v "$candidate" > /dev/null 2>&1 || continue
    timeout 30 "$candidate" tests/Cuda.Device/combine.py "$OUT" "$WDGEN_RC" "$TORCH_RC" && COMBINE_RC=0 && break
done
if [ "$COMBINE_RC" -ne 0 ]; then
    { echo "# WdGen GPU check (combine.py failed: the parts' own reports follow)"; echo
      echo "WdGen.Cuda.Device exit $WDGEN_RC, torch_fused_adamw.py exit $TORCH_RC."; echo
      cat "$OUT/wdgen.md" 2> /dev/null; } > "$OUT/results.md"
fi
echo
cat "$OUT/results.md"
echo "run.sh: results in $OUT/results.md ($((SECONDS - START)) s)"
[ "$WDGEN_RC" -ne 0 ] && exit "$WDGEN_RC"
[ "$TORCH_RC" -ne 0 ] && exit "$TORCH_RC"
exit "$COMBINE_RC"
