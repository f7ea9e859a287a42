#!/usr/bin/env bash
# Usage: tools/dist_launch.sh TOOL NPROC [TOOL args...]
# Runs tools/TOOL (train.py, test.py) under torchrun with --launcher pytorch:
# one process per GPU (nccl); on a machine without CUDA, NPROC CPU processes
# (gloo). NNODES, NODE_RANK, PORT, MASTER_ADDR and PYTHON as in mmseg.
TOOL=$1
NPROC=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" \
    --master_port="$PORT" \
    "$(dirname "$0")/$TOOL" "${@:3}" --launcher pytorch
