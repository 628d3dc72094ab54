/** The plan rule and operation labels every dhcpagent resource shares. */
import { UNKNOWN, type ObjectValue } from '../cty';
import { changedAttributes, replacementPaths } from '../plan';
import type { ChangeAction, PlanResult } from '../resource';
import type { Schema } from '../schema';
import { list } from './values';

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
  return requiresReplace.length ? { planned: repaired, requiresReplace } : { planned: repaired };
}

/** `Create of dhcpagent_port <subject>`, as diagnostics name an operation. */
export function operationLabel(action: ChangeAction, typeName: string, subject: string): string {
  return `${action === 'create' ? 'Create' : action === 'update' ? 'Update' : 'Delete'} of ${typeName} ${subject}`;
}
