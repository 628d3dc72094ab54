/** Shapes of the lab's pieces, as written to `lab.json` and handed to tests. */

/** A lab node: a network namespace running its own sshd, reachable from this machine. */
export interface LabNode {
  /** `n<index>`. */
  readonly name: string;
  readonly index: number;
  /** Network namespace, `<lab>-n<index>` (under /run/netns). */
  readonly netns: string;
  /** The node's address (sshd listens here). */
  readonly address: string;
  /** The root-namespace end of the node's link. */
  readonly hostAddress: string;
  readonly port: number;
  /** Login user with the lab key: `dalabroot` (uid 0, /bin/sh login shell; see users.ts). */
  readonly user: string;
  /** Client private key accepted by the node (shared by the lab's nodes). */
  readonly privateKeyPath: string;
  /** The node's ed25519 host key fingerprint, as `ssh-keygen -lf` prints it. */
  readonly hostKeySha256: string;
  /** A known_hosts file with the node's host key for `address`. */
  readonly knownHostsPath: string;
  /** Bridge inside the node namespace (up, no address) for DHCP networks and VMs. */
  readonly bridge: string;
  /**
   * A state path for the agent on this node: plain node, inside the lab dir (never shared by two
   * nodes); systemd node, `/var/lib/dhcp-agent` on its own disk.
   */
  readonly statePath: string;
  /** The node's own directory in the lab dir (sshd config, keys, logs). */
  readonly dir: string;
  /** pid of the node's sshd listener (systemd node: at its last boot through the lab API). */
  readonly sshdPid: number;
  /** A user with passwordless sudo that the node accepts, when sudo is installed. */
  readonly sudoUser?: string;
  /** A user whose sudo asks for a password, when sudo is installed. */
  readonly passwordSudoUser?: string;
  /**
   * The node has its own mount namespace with a private /run/netns (`labUp({ isolatedNetns })`):
   * namespaces made on the node are seen only inside it (see `Lab.inNode`).
   */
  readonly isolatedNetns?: boolean;
  /** The node's "physical" interface (`eth1`), plugged into the lab switch (`labUp({ switch })`). */
  readonly physicalInterface?: string;
  /**
   * What the node runs: `plain` (absent): sshd in the node's namespace, sharing this machine's
   * file system; `systemd`: a container booted by systemd-nspawn on a disk of its own
   * (`labUp({ init: 'systemd' })`), whose sshd is its `ssh.service`. A systemd node's namespaces
   * are its own (as with `isolatedNetns`) and its `statePath` is the real default.
   */
  readonly init?: 'systemd' | 'plain';
  /** systemd node: its root file system as seen from this machine (writes go to its disk). */
  readonly rootDir?: string;
  /** systemd node: the root image its disk is an overlay of (a name under /var/cache/dhcp-agent-lab/images). */
  readonly image?: string;
  /**
   * systemd node: pid of its systemd-nspawn at the last boot through the lab API (lab.json is
   * rewritten on reboot); {@link Lab.containerPids} reads the current one.
   */
  readonly nspawnPid?: number;
}

/** The lab switch: a bridge in a namespace of its own linking the nodes' physical interfaces. */
export interface LabSwitch {
  /** `<lab>-s0`. */
  readonly netns: string;
  /** The bridge in it (no VLAN filtering: tagged frames pass unchanged). */
  readonly bridge: string;
}

/** What `lab.json` holds. */
export interface LabFile {
  readonly version: 1;
  readonly name: string;
  readonly dir: string;
  /** `creating` until every node is up. */
  readonly state: 'creating' | 'up';
  /** The lab's /24 in 198.18.0.0/15. */
  readonly subnet?: string;
  readonly createdAt: string;
  readonly nodes: readonly LabNode[];
  /** Every node has a private /run/netns. */
  readonly isolatedNetns?: boolean;
  readonly switch?: LabSwitch;
  /** The nodes boot systemd (see {@link LabNode.init}). */
  readonly init?: 'systemd';
}

/** What a VM's DHCP client was given. */
export interface DhcpLease {
  readonly ip: string;
  /** Prefix length of the offered subnet. */
  readonly prefixLength?: number;
  /** First router offered. */
  readonly router?: string;
  readonly dns?: readonly string[];
  readonly domain?: string;
  readonly hostname?: string;
  readonly mtu?: number;
  readonly leaseSeconds?: number;
  /** Classless static routes (option 121) as udhcpc prints them: `dest/len gw …`. */
  readonly staticRoutes?: string;
  /** Address of the DHCP server that answered. */
  readonly serverId?: string;
  /** Every variable udhcpc handed to its script. */
  readonly raw: Readonly<Record<string, string>>;
}
