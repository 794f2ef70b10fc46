#!/usr/bin/env bash
# docker-engine.sh: make sure a Docker engine answers on this machine, for the container tests.
#
#   bash scripts/docker-engine.sh      # or: . scripts/docker-engine.sh
#
# - installs Debian's docker.io when dockerd is absent (needs root and apt; CI runs as root);
# - starts dockerd when nothing answers on the socket:
#     dockerd --iptables=false --ip6tables=false --storage-driver=vfs
#   in the background, logging to $DOCKERD_LOG (default /tmp/dockerd.log);
# - waits until `docker info` answers ($DOCKER_WAIT seconds, default 60).
# Idempotent: with an engine already answering it does nothing. Safe to source: it never
# calls exit and leaves the caller's shell options as they were; it returns non-zero on failure.
# No image is pulled: the fileemu image is FROM scratch.

_fileemu_docker_engine() {
  local log="${DOCKERD_LOG:-/tmp/dockerd.log}" wait_s="${DOCKER_WAIT:-60}" i

  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    echo "docker-engine: an engine already answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
    return 0
  fi

  if ! command -v dockerd >/dev/null 2>&1; then
    echo "docker-engine: dockerd is absent: installing Debian's docker.io"
    if [ "$(id -u)" -ne 0 ]; then
      echo "docker-engine: installing needs root" >&2
      return 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      docker.io containerd runc iproute2 >/dev/null || return 1
  fi
  if ! command -v docker >/dev/null 2>&1; then
    echo "docker-engine: the docker CLI is missing (dockerd is there)" >&2
    return 1
  fi

  # A dockerd of an earlier call may still be starting: start one only when none runs.
  local pid=""
  [ -r /var/run/docker.pid ] && pid=$(cat /var/run/docker.pid 2>/dev/null)
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "docker-engine: starting dockerd needs root" >&2
      return 1
    fi
    echo "docker-engine: starting dockerd (log: $log)"
    # setsid + nohup: the daemon outlives this script and the CI step that sourced it.
    setsid nohup dockerd --iptables=false --ip6tables=false --storage-driver=vfs \
      >>"$log" 2>&1 </dev/null &
  fi

  for ((i = 0; i < wait_s * 2; i++)); do
    if docker info >/dev/null 2>&1; then
      echo "docker-engine: engine up after ~$((i / 2)) s ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
      return 0
    fi
    sleep 0.5
  done
  echo "docker-engine: no answer from docker info after ${wait_s} s; last lines of $log:" >&2
  tail -n 30 "$log" >&2 2>/dev/null
  return 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  _fileemu_docker_engine
  exit $?
else
  _fileemu_docker_engine
fi
