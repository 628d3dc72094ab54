/**
 * What the handlers are asked to make true on one node. Specs are plain data (JSON-safe): the
 * provider keeps them in Terraform state, the portable mode passes them on the command line,
 * and the node keeps a copy (`network.json`, `ports/<id>.json`) for the process monitor and
 * for rendering port fragments.
 */
import type { AgentOptions, Network, NetworkMetadata, Port, PortMetadata } from '../model/types';
import type { Gatherings } from './gather';

/** How the network's tap device reaches the physical network. */
export type Attachment =
  /** An existing Linux bridge on the node, by name. */
  | { readonly bridge: string }
  /** A bridge the agent creates (`brq<network-id[:11]>`) enslaving an interface, or its VLAN sub-interface `<if>.<vlan-id>`. */
  | {
      readonly physicalInterface: string;
      readonly vlanId?: number;
      /**
       * Enslave the interface even when it has global addresses or another master (what it
       * carries is cut off, perhaps the node's own SSH address). @default false: refused, saying what was found
       */
      readonly takeOver?: boolean;
    };

export interface NetworkSpec {
  /** Subnets plus the infrastructure ports: DHCP ports of every agent and router interfaces. Client ports are PortSpecs. */
  readonly network: Network;
  /** This node's DHCP port; must be one of `network.ports` with device owner `network:dhcp`. */
  readonly dhcpPortId: string;
  readonly attachment: Attachment;
  readonly options: AgentOptions;
  /** Metadata at 169.254.169.254 through a proxy in the namespace (metadata-proxy.ts). @default undefined: none */
  readonly metadata?: NetworkMetadata;
}

export interface PortSpec {
  readonly networkId: string;
  /** The node's state path (where the network lives); @default '/var/lib/dhcp-agent' */
  readonly statePath: string;
  /**
   * The port. A fixed IP whose `subnetId` is '' is placed in the network's subnet that holds
   * the address, when the handler knows the network.
   */
  readonly port: Port;
  /**
   * The port's DNS name (neutron's `dns_name`): when set and the port has no dnsAssignment,
   * every fixed IP gets `hostname` and `<hostname>.<dns domain>.` as neutron assigns them.
   */
  readonly hostname?: string;
  /**
   * What the built-in metadata service serves this port's client; unset: the port gets no
   * metadata (its address gets 404).
   */
  readonly metadata?: PortMetadata;
}

export interface NodeSpec {
  /** @default '/var/lib/dhcp-agent' */
  readonly statePath: string;
  /** Seconds between process-monitor checks (neutron's check_child_processes_interval) — @default 60 */
  readonly monitorIntervalSeconds: number;
}

export function isBridgeAttachment(a: Attachment): a is { readonly bridge: string } {
  return 'bridge' in a;
}

/** Options every handler takes. */
export interface HandlerOptions {
  /**
   * The caller's generation (portable mode: the id of the Terraform carrier instance). create
   * and update record it on the node; delete changes nothing when the node records another
   * one, so that a replaced carrier's destroy, run after its successor's create
   * (create_before_destroy), does not undo what the successor made.
   */
  readonly generation?: string;
  /**
   * A create (Terraform's, not a repair): an object of the same id already on the node is
   * adopted only when it is exactly what this create would make (an earlier apply that was
   * interrupted before Terraform saved its state); otherwise the create is refused with
   * ExistsError, and the object stays as it is. @default false (converge whatever is there)
   */
  readonly create?: boolean;
}

/** Options of the reads. */
export interface ReadOptions {
  /**
   * Where the node's gathering of this operation is kept: the read then compares what one
   * script gathered for every network and port of the node (see gather.ts) instead of observing
   * its own resource. @default none (the read observes the node itself)
   */
  readonly gatherings?: Gatherings;
}

const GENERATION = /^[A-Za-z0-9._-]{1,128}$/;

export function checkGeneration(generation: string | undefined): void {
  if (generation !== undefined && !GENERATION.test(generation)) {
    throw new Error(`generation: got ${JSON.stringify(generation)}; 1–128 letters, digits, ".", "_" or "-"`);
  }
}
