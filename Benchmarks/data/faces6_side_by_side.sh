#!/usr/bin/env bash
# The whole faces6 job (`train --model task1-small`, 20 epochs) with two builds of emotion, alternated in
# one run so that both see the same machine: wall time, peak RSS and the mean epoch time of each run.
#
#   Benchmarks/data/faces6_side_by_side.sh OLD_BINARY NEW_BINARY [PAIRS] [DATA]
#
# PAIRS defaults to 3; DATA to ../shared/data/faces6. Prints one line per run and the means per binary.
set -euo pipefail
old=$(realpath "$1"); new=$(realpath "$2"); pairs=${3:-3}
data=$(realpath "${4:-$(dirname "$0")/../../../shared/data/faces6}")
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
printf '%-4s %-5s %8s %9s %10s\n' run build wall_s rss_mb epoch_s
for pair in $(seq 1 "$pairs"); do
  for side in old new; do
    binary=$old; [ "$side" = new ] && binary=$new
    rm -rf "$work/model"
    /usr/bin/time -f '%e %M' -o "$work/time" "$binary" train --model task1-small --data "$data" \
      --output "$work/model" > "$work/log" 2>&1
    read -r wall rss < "$work/time"
    # history.csv's last column is the epoch's seconds.
    epoch=$(awk -F, 'NR > 1 { s += $NF; n++ } END { printf "%.2f", s / n }' "$work/model/history.csv")
    printf '%-4s %-5s %8s %9d %10s\n' "$pair" "$side" "$wall" $((rss / 1024)) "$epoch" | tee -a "$work/rows"
  done
done
awk '{ w[$2] += $3; r[$2] += $4; e[$2] += $5; n[$2]++ }
     END { for (s in n) printf "mean %-5s %8.1f %9.0f %10.2f\n", s, w[s] / n[s], r[s] / n[s], e[s] / n[s] }' "$work/rows"
