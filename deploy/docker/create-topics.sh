#!/bin/bash
# One-shot job (apache/kafka image): creates ckastream's topics, or checks the existing ones. Safe to re-run.
#
# Partitions
#   reviews, activations.<checkpoint>: ACTIVATION_PARTITIONS (default 6). The reviews partitions bound the
#     extractor's parallelism (one consumer per partition in group ckastream-extractor: up to 6 replicas).
#     Every activations topic gets the same count: records are keyed by review id with the default
#     partitioner, so both halves of a review land in the same partition number (co-partitioned), which
#     keeps the join partition-local should cka-service ever be split by partition. Today cka-service is one
#     consumer owning all state, so more partitions cost nothing there.
#   reviews.dlq, activations.dlq, cka.scores: 1 (low volume; one partition keeps them in order).
# Retention
#   reviews, activations.*: RETENTION_MS (default 7 days): long enough to replay a run from the start
#     (reset a consumer group to earliest) or rebuild cka-service's state after losing its snapshot.
#   *.dlq: DLQ_RETENTION_MS (default 30 days): dead letters are for people to look at, later.
#   cka.scores: cleanup.policy=compact, no time limit: only the latest record per key <first>~<second>
#     matters; min.compaction.lag.ms=0 and segment.ms=1h let the cleaner drop superseded scores soon.
# Sizes: max.message.bytes 5 MiB on reviews, reviews.dlq and cka.scores, whose producers allow 4 MiB records
#   (max.request.size=4194304 in the services' configuration); the broker default is 1 MiB.
# Replication factor 1: the compose file runs one broker. Use 3 on a real cluster (REPLICATION_FACTOR).
set -euo pipefail

bootstrap=${BOOTSTRAP_SERVERS:-kafka:29092}
checkpoints=${CHECKPOINTS:-pretrained finetuned}
partitions=${ACTIVATION_PARTITIONS:-6}
replication=${REPLICATION_FACTOR:-1}
retention=${RETENTION_MS:-604800000}
dlq_retention=${DLQ_RETENTION_MS:-2592000000}
big=5242880
topics_sh=${KAFKA_TOPICS_SH:-/opt/kafka/bin/kafka-topics.sh}

create() { # NAME PARTITIONS CONFIG...
  local name=$1 parts=$2
  shift 2
  local configs=()
  for c in "$@"; do configs+=(--config "$c"); done
  "$topics_sh" --bootstrap-server "$bootstrap" --create --if-not-exists --topic "$name" \
    --partitions "$parts" --replication-factor "$replication" "${configs[@]}"
}

create reviews "$partitions" "retention.ms=$retention" "max.message.bytes=$big"
create reviews.dlq 1 "retention.ms=$dlq_retention" "max.message.bytes=$big"
for c in $checkpoints; do
  create "activations.$c" "$partitions" "retention.ms=$retention"
done
create activations.dlq 1 "retention.ms=$dlq_retention"
create cka.scores 1 cleanup.policy=compact min.compaction.lag.ms=0 segment.ms=3600000 "max.message.bytes=$big"

# --if-not-exists keeps a topic that was there before, whatever its settings: show them, and fail if an
# activations topic's partition count differs from the others (the co-partitioning above).
described=$("$topics_sh" --bootstrap-server "$bootstrap" --describe --topic 'reviews|reviews\.dlq|activations\..*|cka\.scores')
echo "$described" | grep -E '^Topic:' || true
counts=$(echo "$described" | awk '/^Topic:/ && $2 ~ /^activations\./ && $2 != "activations.dlq" {for (i=1;i<=NF;i++) if ($i=="PartitionCount:") print $(i+1)}' | sort -u)
if [ "$(echo "$counts" | grep -c .)" -gt 1 ]; then
  echo "create-topics: the activations topics have different partition counts ($(echo "$counts" | tr "\n" " ")); recreate them" >&2
  exit 1
fi
echo "create-topics: done"
