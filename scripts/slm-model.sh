#!/usr/bin/env bash
# Reproduces the shipped model (npm run slm:model): dataset, training with
# slm/configs/default.json, GGUF export (F32) and quantization (Q8_0 shipped,
# Q4_0 sibling), then the evaluation reports the model card quotes.
set -euo pipefail
cd "$(dirname "$0")/.."

auton() { node dist/cli.js "$@"; }
config=${SLM_CONFIG:-slm/configs/default.json}
ckpt=slm/.cache/train/default/model.ckpt
models=slm/models
mkdir -p "$models" slm/.cache/train/default

[ -f slm/data/train.jsonl ] || auton slm data
auton slm train --config "$config" --out "$ckpt"
auton slm export --format gguf --in "$ckpt" --type f32 --out "$models/auton-slm-f32.gguf"
auton slm quantize --in "$models/auton-slm-f32.gguf" --type q8_0 --out "$models/auton-slm.gguf"
auton slm quantize --in "$models/auton-slm-f32.gguf" --type q4_0 --out "$models/auton-slm-q4_0.gguf"
for variant in auton-slm-f32 auton-slm auton-slm-q4_0; do
  auton slm eval --model "$models/$variant.gguf" --sets test,paraphrase --file slm/dev/wild.jsonl --json > "$models/$variant.eval.json"
done
echo "slm:model: wrote $models (see $models/README.md for the model card)"
