#!/usr/bin/env bash
# Exports each Hugging Face checkpoint in $EXPORT_MODELS to $EXPORT_DIR/<name>/ with optimum's ONNX exporter:
# model.onnx (the base encoder: task feature-extraction, so a classifier head is dropped and every hidden
# state is there for the extractor's LayerNorm taps) and tokenizer.json next to it.
#
#   EXPORT_MODELS   space-separated entries: REPO_ID[@REVISION][=NAME]
#                   NAME (the folder) defaults to the last part of REPO_ID: lvwerra/distilbert-imdb -> distilbert-imdb
#                   REVISION pins a commit/tag (downloaded first, then exported from the local copy)
#   EXPORT_DIR      default /models
#   EXPORT_OPSET    optional ONNX opset (default: optimum's default for the architecture)
#   EXPORT_FORCE=1  export again even when a complete export is there
#
# Idempotent: a folder with model.onnx, tokenizer.json and the .export-complete marker (written last) is kept
# as it is; an export runs in a temporary folder that is renamed into place only when complete, so an
# interrupted run leaves nothing that looks finished.
set -euo pipefail

models=${EXPORT_MODELS:?EXPORT_MODELS is empty (e.g. "distilbert-base-uncased lvwerra/distilbert-imdb")}
out=${EXPORT_DIR:-/models}
mkdir -p "$out"

for entry in $models; do
  spec=${entry%%=*}
  name=${spec%%@*}; name=${name##*/}
  [[ "$entry" == *=* ]] && name=${entry#*=}
  repo=${spec%%@*}
  revision=""
  [[ "$spec" == *@* ]] && revision=${spec#*@}
  if [[ ! "$name" =~ ^[A-Za-z0-9._-]+$ ]]; then
    echo "export-models: bad folder name '$name' in '$entry'" >&2
    exit 2
  fi
  dest=$out/$name
  if [[ "${EXPORT_FORCE:-0}" != 1 && -f "$dest/.export-complete" && -s "$dest/model.onnx" && -s "$dest/tokenizer.json" ]]; then
    echo "export-models: $dest is complete ($(head -n 1 "$dest/.export-complete")), skipping"
    continue
  fi

  tmp=$out/.tmp-$name
  rm -rf "$tmp"
  source=$repo
  if [[ -n "$revision" ]]; then
    echo "export-models: downloading $repo at $revision"
    source=$(mktemp -d)/src
    python - "$repo" "$revision" "$source" <<'PY'
import sys
from huggingface_hub import snapshot_download
repo, revision, local = sys.argv[1:]
snapshot_download(repo_id=repo, revision=revision, local_dir=local)
PY
  fi
  echo "export-models: exporting $repo${revision:+@$revision} -> $dest"
  opset=()
  [[ -n "${EXPORT_OPSET:-}" ]] && opset=(--opset "$EXPORT_OPSET")
  optimum-cli export onnx --model "$source" --task feature-extraction "${opset[@]}" "$tmp"

  if [[ ! -s "$tmp/tokenizer.json" ]]; then
    # optimum saves the tokenizer the checkpoint ships; a repo with only vocab files gets its fast tokenizer
    # built and saved here (tokenizer.json is what the extractor reads).
    python - "$source" "$tmp" <<'PY'
import sys
from transformers import AutoTokenizer
tok = AutoTokenizer.from_pretrained(sys.argv[1], use_fast=True)
if not tok.is_fast:
    sys.exit("no fast tokenizer for " + sys.argv[1] + ": tokenizer.json cannot be written")
tok.save_pretrained(sys.argv[2])
PY
  fi
  for f in model.onnx tokenizer.json; do
    [[ -s "$tmp/$f" ]] || { echo "export-models: $repo: $f missing after export" >&2; exit 1; }
  done
  {
    echo "$repo${revision:+@$revision} exported $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    python -c 'import optimum.version, transformers, torch, onnx; print("optimum", optimum.version.__version__, "transformers", transformers.__version__, "torch", torch.__version__, "onnx", onnx.__version__)'
    (cd "$tmp" && sha256sum model.onnx tokenizer.json)
  } > "$tmp/.export-complete"
  chmod -R a+rX "$tmp"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  echo "export-models: $dest ready"
  sed -n '3,$p' "$dest/.export-complete"
done
echo "export-models: done ($out)"
