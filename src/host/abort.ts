import { toError } from '../model/errors';

/**
 * The reason an aborted operation rejects with: the signal's own reason, as Node's abortable
 * APIs do. Every abort in this code passes an Error (a HostError for time limits, an Error for
 * StopProvider), and a signal aborted without one carries a DOMException, an Error too.
 */
export function abortReason(signal: AbortSignal): Error {
  return toError(signal.reason);
}
