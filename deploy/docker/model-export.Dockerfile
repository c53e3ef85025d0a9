# syntax=docker/dockerfile:1
# One-shot job: exports Hugging Face checkpoints to ONNX (+ tokenizer.json) with `optimum-cli export onnx`
# into /models (a named volume shared with the extractor). See export-models.sh. Needs a network at build
# time (PyPI, the PyTorch CPU wheel index) and at run time (huggingface.co), once: exports are kept.
FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_DISABLE_TELEMETRY=1 \
    HF_HOME=/tmp/hf-home
COPY deploy/docker/model-export.requirements.txt /opt/export/requirements.txt
# CPU-only torch first, from the PyTorch CPU index (the default PyPI wheel pulls in ~2 GB of CUDA libraries).
RUN set -eux; \
    pip install --index-url https://download.pytorch.org/whl/cpu torch==2.5.1 torchvision==0.20.1; \
    pip install -r /opt/export/requirements.txt; \
    optimum-cli export onnx --help >/dev/null
COPY deploy/docker/export-models.sh /opt/export/export-models.sh
ENTRYPOINT ["bash", "/opt/export/export-models.sh"]
