#!/usr/bin/env bash
# Run HERE (a machine with the .NET SDK): bash tests/Cuda.Device/publish.sh [--no-check]
#
# Publishes WdGen.Cuda.Device self-contained for linux-x64 (trimmed; no .NET needed where it runs) into
# artifacts/cuda-device/, checks the folder is at most 64 MiB (what the GPU machine's tool carries), then, unless
# --no-check, runs the published program as it will run there, on the CUDA kernels' CPU emulation (needs g++): every
# check and the benchmark's code path, so a GPU's minutes are spent on the GPU only. Prints the command to run there.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
DEST=artifacts/cuda-device
LIMIT=$((64 * 1024 * 1024))
CHECK=1
[ "${1:-}" = "--no-check" ] && CHECK=0

rm -rf "$DEST"
dotnet publish tests/Cuda.Device/WdGen.Cuda.Device.csproj -c Release -p:WdGenDevicePublish=true -o "$DEST" -nologo -v:minimal
rm -f "$DEST"/*.xml # API documentation: not needed to run
SIZE=$(du -sb "$DEST" | cut -f1)
FILES=$(find "$DEST" -type f | wc -l)
if [ "$SIZE" -gt "$LIMIT" ]; then
    echo "publish.sh: $DEST is $((SIZE / 1024 / 1024)) MiB ($SIZE bytes, $FILES files), over the 64 MiB the GPU machine's tool carries" >&2
    exit 1
fi
echo "publish.sh: $DEST: $FILES files, $SIZE bytes ($((SIZE / 1024 / 1024)) MiB of the 64 MiB allowed)"

# The published program fails fast here (no GPU) ...
set +e
NO_DEVICE=$("$DEST/WdGen.Cuda.Device" --out "$(mktemp -d)" --skip-correctness --skip-benchmark 2>&1)
RC=$?
set -e
if [ "$RC" -ne 2 ] && [ "$RC" -ne 0 ]; then
    echo "publish.sh: the published program exited $RC without a device: $NO_DEVICE" >&2
    exit 1
fi
echo "publish.sh: without a device the published program says (exit $RC): $NO_DEVICE"

# ... and passes every check on the kernels' CPU emulation (the trimmed program's reflection, kernel composition,
# engines, state files, report), as tests/Cuda.Tests builds it.
if [ "$CHECK" = 1 ]; then
    CXX=${WDGEN_CXX:-g++}
    if command -v "$CXX" > /dev/null 2>&1; then
        WORK=$(mktemp -d)
        "$DEST/WdGen.Cuda.Device" --write-kernel "$WORK/wdgen_kernels.cu" > /dev/null
        "$CXX" -std=c++17 -O2 -Wall -Wextra -Werror -Wno-unknown-pragmas -ffp-contract=off -fno-fast-math -fPIC -shared \
            -I tests/Cuda.Tests/Emulation -I "$WORK" -o "$WORK/libwdgen_cuda_emulation.so" tests/Cuda.Tests/Emulation/emulated_launch.cpp
        if ! "$DEST/WdGen.Cuda.Device" --out "$WORK/out" --quick --emulate "$WORK/libwdgen_cuda_emulation.so" > "$WORK/emulation.log" 2>&1; then
            tail -40 "$WORK/emulation.log" >&2
            echo "publish.sh: the published program FAILED on the CPU emulation of the kernels (log: $WORK/emulation.log)" >&2
            exit 1
        fi
        echo "publish.sh: on the CPU emulation of the kernels: $(grep -m1 'correctness:.*checks' "$WORK/emulation.log" | sed 's/^\[[^]]*\] //')"
        rm -rf "$WORK"
    else
        echo "publish.sh: $CXX not found: the emulation check of the published program was skipped"
    fi
fi

cat << EOF

Run on the GPU machine (the device tool copies the working tree; carry the published folder):
    run(command="bash tests/Cuda.Device/run.sh", carry=["$DEST"], timeout_s=540)
or, by hand there, from the repository root:
    bash tests/Cuda.Device/run.sh          # OUT=... for the results folder (default artifacts/cuda-device-results)
It stops itself within 450 s (WDGEN_RUN_BUDGET_S); results: \$OUT/results.md, wdgen.json, torch.json, logs.
EOF
