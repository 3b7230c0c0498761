#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 60 s each). Not part of CI.
#
#   fuzz/run.sh            # 60 s per target
#   fuzz/run.sh 600        # 10 min per target
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain
# (`rustup toolchain install nightly`): libFuzzer's instrumentation flags are
# nightly-only. Without nightly, `cargo test --lib fuzzing` runs the same checks on a
# bounded set of pseudo-random inputs on stable. A crash is written to
# fuzz/artifacts/<target>/; turn it into a unit test beside the parser.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
targets=(token_response jwt_claims retry_after error_body)
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    # Seeds (valid inputs, checked in under seeds/<target>/) and a dictionary
    # (<target>.dict), where a target has them: error bodies must stay JSON-shaped for the
    # fuzzer to get past the first byte of the decoders.
    extra=()
    if [ -d "seeds/$target" ]; then
        cp -n "seeds/$target"/* "corpus/$target"/
    fi
    if [ -f "$target.dict" ]; then
        extra+=("-dict=$target.dict")
    fi
    echo "== $target: ${seconds}s"
    # The crate forbids unsafe code: no sanitizer, libFuzzer coverage only.
    cargo +nightly fuzz run --sanitizer none "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 "${extra[@]}" 2>&1 \
        | grep -E "^(#[0-9]+.*DONE|stat::|==[0-9]+==|SUMMARY|Done)" || true
    if compgen -G "artifacts/$target/*" > /dev/null; then
        echo "   findings in fuzz/artifacts/$target/"
    fi
done
