/**
 * The provider's use of the node gatherings (src/agent/gather.ts): one {@link Gatherings} per
 * configured provider, that is per Terraform operation (Terraform configures every provider
 * process it starts, and again in each command it serves). Reads share it; a write to a node
 * forgets what was gathered there, before it runs and after.
 */
import { Gatherings } from '../../agent/gather';
import type { ReadOptions } from '../../agent/spec';
import type { Host } from '../../host/types';
import { nodeLabel, type NodeConnection } from './connection';

function gatheringsOf(provider: unknown): Gatherings | undefined {
  const g = (provider as { gatherings?: unknown } | undefined)?.gatherings;
  return g instanceof Gatherings ? g : undefined;
}

/** What a read passes to the agent's read (nothing before ConfigureProvider: the read then observes its resource alone). */
export function readOptions(provider: unknown): ReadOptions {
  const gatherings = gatheringsOf(provider);
  return gatherings ? { gatherings } : {};
}

/** `write`, forgetting what this operation gathered on node `c` before and after it runs. */
export function writing<T>(provider: unknown, c: NodeConnection, write: (host: Host) => Promise<T>): (host: Host) => Promise<T> {
  const forget = () => gatheringsOf(provider)?.forget(nodeLabel(c), c.statePath);
  return async (host) => {
    forget();
    try {
      return await write(host);
    } finally {
      forget();
    }
  };
}
