// Configuration files of the test node, rendered from the cluster layout.
// Kept in code (not templates) so every value that matters is next to the
// reason it is set.

export interface NodeNet {
  readonly nodeName: string;
  /** bridge the harness creates; the node's InternalIP and the pods' gateway */
  readonly bridge: string;
  readonly nodeIp: string;
  readonly podSubnet: string;
  readonly serviceCidr: string;
}

export const DEFAULT_NET: NodeNet = {
  nodeName: 'sidecarctl-node',
  bridge: 'scbr0',
  nodeIp: '10.217.0.1',
  podSubnet: '10.217.0.0/24',
  serviceCidr: '10.96.0.0/24',
};

export const CNI_IPAM_DIR = '/var/lib/sidecarctl/cni-ipam';

export const PORTS = {
  etcdClient: 23790,
  etcdPeer: 23800,
  apiserver: 6443,
  controllerManager: 10257,
  scheduler: 10259,
  kubelet: 10250,
  kubeletHealthz: 10248,
} as const;

/**
 * CNI: Debian's bridge + host-local plugins on a bridge only this host has.
 * No default route and no masquerading are given to pods: they can reach each
 * other and the node (kubelet probes go from the node to the pod IP), and
 * nothing else.
 */
export function cniConflist(net: NodeNet): string {
  return JSON.stringify(
    {
      cniVersion: '0.4.0',
      name: 'sidecarctl',
      plugins: [
        {
          type: 'bridge',
          bridge: net.bridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          // Our own IPAM store, wiped with the rest of the state on a cold start, so
          // addresses leaked by failed sandboxes never pile up.
          ipam: { type: 'host-local', dataDir: CNI_IPAM_DIR, ranges: [[{ subnet: net.podSubnet, gateway: net.nodeIp }]] },
        },
      ],
    },
    null,
    2,
  );
}

/**
 * containerd 1.6 (Debian bookworm). Its own root/state/socket so it never
 * touches a system containerd. cgroupfs (SystemdCgroup=false) because the
 * kubelet is configured with cgroupDriver cgroupfs: there is no systemd here,
 * and containerd 1.x has no RuntimeConfig RPC to tell the kubelet its driver
 * (kubelet 1.36 still falls back to its own cgroupDriver setting; KEP-4033).
 */
export function containerdConfig(o: { root: string; state: string; sock: string; cniConfDir: string; pauseImage: string }): string {
  return `version = 2
root = "${o.root}"
state = "${o.state}"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${o.sock}"

[ttrpc]
  address = "${o.sock}.ttrpc"

[debug]
  address = "${o.state}/debug.sock"

[plugins."io.containerd.internal.v1.opt"]
  path = "${o.root}/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${o.pauseImage}"
  enable_selinux = false
  # This VM's root lacks CAP_SYS_RESOURCE: lowering a process' oom_score_adj
  # (the CRI plugin asks -998 for sandboxes) fails in runc with "can't get final
  # child's PID from pipe". Clamp the scores at containerd's own instead.
  restrict_oom_score_adj = true
  max_container_log_line_size = 16384
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${o.cniConfDir}"
`;
}

/**
 * KubeletConfiguration for this VM:
 * - failCgroupV1: false — the VM mounts cgroup v1 controllers (a v1/v2 hybrid);
 *   kubelet >= 1.35 refuses to start on v1 unless told to (KEP-5573).
 * - failSwapOn: false, cgroupDriver: cgroupfs — no systemd on the host.
 * - resolvConf: "" — pods get no upstream DNS servers, so nothing in a pod
 *   can look names up outside the machine.
 * - image GC at 100 % and tiny eviction thresholds — the images are imported
 *   locally and cannot be pulled again if the kubelet removed them.
 * - the kubelet serves on the node IP (the harness bridge) for logs/exec from
 *   the apiserver, and its healthz on loopback.
 */
export function kubeletConfig(o: { net: NodeNet; caCert: string; runtimeSock: string; minor: number }): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${o.net.nodeIp}
port: ${PORTS.kubelet}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${PORTS.kubeletHealthz}
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: "${o.caCert}"}
authorization: {mode: AlwaysAllow}
cgroupDriver: cgroupfs
${o.minor >= 35 ? 'failCgroupV1: false\n' : ''}failSwapOn: false
containerRuntimeEndpoint: unix://${o.runtimeSock}
resolvConf: ""
clusterDomain: cluster.local
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
nodeStatusUpdateFrequency: 5s
syncFrequency: 10s
`;
}
