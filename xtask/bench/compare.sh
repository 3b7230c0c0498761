#!/usr/bin/env bash
# Time and peak memory of `cargo xtask validate` (as users run it: through cargo, with
# the alias's optimised profile) next to Redocly CLI's example rules, one right after
# the other on each document, REPEATS times. Prints a Markdown table: min / median /
# max wall seconds, the median CPU seconds (user + system, children included: a fairer
# figure on a busy machine) and the largest peak RSS seen (GNU time's %M: the biggest
# single process, cargo or the validator; node for Redocly).
#
# usage: REDOCLY_DIR=/path/to/scratch xtask/bench/compare.sh [REPEATS] [DOCUMENT...]
#   REDOCLY_DIR: a folder outside the repository where `npm install @redocly/cli` ran.
#   Default documents: xtask/tests/corpus/* and a generated 10,000-example spec.
set -euo pipefail
cd "$(dirname "$0")/../.."
repeats="${1:-3}"
shift || true
redocly="${REDOCLY_DIR:?set REDOCLY_DIR to the folder where @redocly/cli is installed}/node_modules/.bin/redocly"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# Redocly with only its example rules, additional properties allowed (as the validator).
cat > "$scratch/redocly.yaml" <<'YAML'
rules:
  no-invalid-media-type-examples: {severity: error, allowAdditionalProperties: true}
  no-invalid-schema-examples: {severity: error, allowAdditionalProperties: true}
  no-invalid-parameter-examples: {severity: error, allowAdditionalProperties: true}
YAML
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1

cargo build --quiet --profile xtask --package xtask
if [ "$#" -eq 0 ]; then
  cargo xtask generate-spec 10000 > "$scratch/generated-10000.yaml"
  set -- xtask/tests/corpus/*.y*ml "$scratch/generated-10000.yaml"
fi

# Runs "$@" once; prints "wall-seconds kilobytes cpu-seconds".
measure() {
  /usr/bin/time -f "%e %M %U %S" -o "$scratch/time" "$@" > /dev/null 2>&1 || true
  tail -1 "$scratch/time" | awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }'
}

# "min / median / max of wall | median cpu | max MB", from stdin.
stats() {
  awk '{ print $3 }' "$1" | sort -n > "$1.cpu"
  sort -n "$1" | awk -v cpu="$(awk '{ c[NR] = $1 } END { print c[int((NR + 1) / 2)] }' "$1.cpu")" \
    '{ s[NR] = $1; if ($2 > m) m = $2 }
    END { printf "%.2f / %.2f / %.2f | %.2f | %d", s[1], s[int((NR + 1) / 2)], s[NR], cpu, m / 1024 }'
}

echo "| document | lines | cargo xtask wall s (min / median / max) | CPU s | MB | Redocly wall s (min / median / max) | CPU s | MB | speed-up (median wall, CPU) | validator alone, median wall s |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for doc in "$@"; do
  : > "$scratch/ours"
  : > "$scratch/theirs"
  : > "$scratch/alone"
  for _ in $(seq "$repeats"); do
    measure cargo xtask validate "$doc" >> "$scratch/ours"
    measure target/xtask/xtask validate "$doc" >> "$scratch/alone"
    measure "$redocly" lint --config "$scratch/redocly.yaml" --max-problems 100000 "$doc" >> "$scratch/theirs"
  done
  ours="$(stats "$scratch/ours")"
  theirs="$(stats "$scratch/theirs")"
  speedup="$(printf '%s\n%s\n' "$ours" "$theirs" | awk -F' [|/] ' '
    NR == 1 { w = $2; c = $4 } NR == 2 { printf "%.1fx, %.1fx", $2 / w, $4 / c }')"
  alone="$(stats "$scratch/alone" | awk -F' / ' '{ print $2 }')"
  echo "| $(basename "$doc") | $(wc -l < "$doc") | $ours | $theirs | $speedup | $alone |"
done
