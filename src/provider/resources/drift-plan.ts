/** The plan rule and operation labels every dhcpagent resource shares. */
import { UNKNOWN, type ObjectValue } from '../cty';
import { changedAttributes, replacementPaths } from '../plan';
import type { ChangeAction, PlanResult } from '../resource';
import type { Schema } from '../schema';
import { list } from './values';
import { pathToString, warningDiagnostic, type Diagnostic } from '../diagnostics';

/** The `drift` attribute of a network or a port. */
export const DRIFT_DESCRIPTION =
  'What differs on the node from this configuration, in plain words. Non-empty after a refresh: `plan` shows an in-place update that `apply` repairs.';

/**
 * A create plans the observed-only attributes unknown and `drift` empty. An update is planned
 * only when a configured attribute changed or the last refresh found drift; it then repairs
 * (`drift` back to `[]`) with the observed-only attributes unknown. Otherwise the prior state
 * stands: observed-only values never cause a plan on their own.
 */
export function planWithDrift(schema: Schema, prior: ObjectValue | null, proposed: ObjectValue, observed: readonly string[]): PlanResult {
  const repaired: ObjectValue = { ...proposed, ...Object.fromEntries(observed.map((k) => [k, UNKNOWN])), drift: [] };
  if (!prior) return { planned: repaired };
  const changed = changedAttributes(schema, prior, proposed).filter((k) => !observed.includes(k) && k !== 'drift');
  if (changed.length === 0 && list(prior.drift).length === 0) return { planned: prior };
  const requiresReplace = replacementPaths(schema, prior, repaired);
  if (!requiresReplace.length) return { planned: repaired };
  const nodeMoves = requiresReplace.filter((p) => p[0] === 'node').map(pathToString);
  return { planned: repaired, requiresReplace, ...(nodeMoves.length ? { diagnostics: [nodeMoveWarning(schema, nodeMoves)] } : {}) };
}

/**
 * node.host, node.port and node.state_path name where the object lives: changing one makes a new
 * object there and tears the old one down (for a network: dnsmasq stopped, leases file gone).
 */
function nodeMoveWarning(schema: Schema, changed: readonly string[]): Diagnostic {
  const what = schema.attributes.network_id ? 'this network is torn down on the old node (dnsmasq stopped, its leases lost) and set up again on the new one' : 'this object is removed from the old node and created on the new one';
  return warningDiagnostic(
    `${changed.join(', ')} changed: replacement`,
    `${changed.join(' and ')} ${changed.length > 1 ? 'name' : 'names'} where the object lives, so ${what}. Every dhcpagent resource with this node value is replaced the same way. To rename a node without a replacement, move the state (terraform state rm + import) instead.`,
  );
}

/** `Create of dhcpagent_port <subject>`, as diagnostics name an operation. */
export function operationLabel(action: ChangeAction, typeName: string, subject: string): string {
  return `${action === 'create' ? 'Create' : action === 'update' ? 'Update' : 'Delete'} of ${typeName} ${subject}`;
}
