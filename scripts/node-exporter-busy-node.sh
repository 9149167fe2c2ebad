#!/bin/sh
# Measures node_exporter on a simulated busy node (see docs/kubernetes-scrapes.md, "node-exporter memory").
# Run as root:  MP=<mount-points-exclude> IF=<device-exclude> PODS=110 unshare -n -m -p -f --mount-proc scripts/node-exporter-busy-node.sh <node_exporter binary> new|old|none
# Everything it creates (veth pairs, tmpfs mounts) lives in the new network and mount namespaces and goes with them.
# Runs inside: unshare -n -m -p -f --mount-proc. Simulates a busy node (PODS pods: veth pairs,
# per-pod tmpfs volumes and shm), then runs node_exporter with the given flags, scrapes it
# ROUNDS times by 2 concurrent scrapers (the HA pair) and prints series count and memory.
set -e
BIN=$1; MODE=$2; PODS=${PODS:-110}; VOLS=${VOLS:-4}; ROUNDS=${ROUNDS:-40}
mount --make-rprivate /
mount -t sysfs sysfs /sys
ip link set lo up
ip link add eth0 type dummy 2>/dev/null || true
i=1; while [ $i -le $PODS ]; do
  ip link add veth$(printf %08x $i) type veth peer name vethp$(printf %07x $i)
  ip link set veth$(printf %08x $i) up
  i=$((i+1))
done
mount -t tmpfs none /var/lib
mount -t tmpfs none /run
i=1; while [ $i -le $PODS ]; do
  uid=$(printf 0f1e2d3c-aaaa-bbbb-cccc-%012d $i)
  v=1; while [ $v -le $VOLS ]; do
    d=/var/lib/kubelet/pods/$uid/volumes/kubernetes.io~projected/vol-$v
    mkdir -p $d; mount -t tmpfs tmpfs $d
    v=$((v+1))
  done
  d=/run/containerd/io.containerd.grpc.v1.cri/sandboxes/$(printf %064x $i)/shm
  mkdir -p $d; mount -t tmpfs shm $d
  i=$((i+1))
done
if [ "$MODE" = new ]; then
  FLAGS="--collector.filesystem.mount-points-exclude=$MP --collector.netdev.device-exclude=$IF --collector.netclass.ignored-devices=$IF"
else
  FLAGS="--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run/k3s/containerd/.+|var/lib/docker/.+|var/lib/kubelet/pods/.+)(\$|/)"
  [ "$MODE" = none ] && FLAGS=""
fi
$BIN --web.listen-address=127.0.0.1:9100 $FLAGS >/tmp/ne-$MODE.log 2>&1 &
PID=$!
sleep 1
n=0; while [ $n -lt $ROUNDS ]; do
  curl -s -o /dev/null http://127.0.0.1:9100/metrics & curl -s -o /tmp/page-$MODE http://127.0.0.1:9100/metrics; wait $!; n=$((n+1))
  sleep 0.2
done
echo "mode=$MODE interfaces=$(ls /sys/class/net | wc -l) mounts=$(wc -l < /proc/1/mountinfo) series=$(grep -vc '^#' /tmp/page-$MODE) netdev_series=$(grep -c '^node_network_' /tmp/page-$MODE) fs_series=$(grep -c '^node_filesystem_' /tmp/page-$MODE) $(grep -E 'VmRSS|VmHWM' /proc/$PID/status | tr -s ' \t' ' ' | tr '\n' ' ') go_heap_inuse=$(grep '^go_memstats_heap_inuse_bytes' /tmp/page-$MODE | cut -d' ' -f2) bytes=$(wc -c < /tmp/page-$MODE)"
kill $PID
