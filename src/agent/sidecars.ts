/**
 * The sidecars (sidecar.ts) a network spec asks for, in start order. Each kind builds its own
 * from the spec and the derived network, or returns null when the spec does not want it.
 */
import type { DerivedNetwork } from './network-script';
import { metadataProxySidecar } from './metadata-proxy';
import { metadataServerSidecar } from './metadata-server';
import type { Sidecar } from './sidecar';
import type { NetworkSpec } from './spec';

export function sidecarsOf(spec: NetworkSpec, d: Omit<DerivedNetwork, 'sidecars'>): Sidecar[] {
  return [metadataProxySidecar(spec, d), metadataServerSidecar(spec, d)].filter((s): s is Sidecar => s !== null);
}
