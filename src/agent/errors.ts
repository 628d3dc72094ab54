import type { ExecResult } from '../host/types';
import { failedStep } from './script';

/** A step of a handler failed on a node: names the node, the object, the step and the command's stderr. */
export class AgentStepError extends Error {
  constructor(
    readonly node: string,
    readonly object: string,
    readonly step: string,
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    super(`${node}: ${object}: step "${step}" failed (exit ${exitCode})${stderr ? `: ${stderr}` : ''}`);
    this.name = 'AgentStepError';
  }
}

/** Throws AgentStepError unless the script succeeded. */
export function checkResult(node: string, object: string, result: ExecResult, fallbackStep: string): ExecResult {
  if (result.code === 0) return result;
  const parsed = failedStep(result.stderr);
  throw new AgentStepError(node, object, parsed.step ?? fallbackStep, result.code, parsed.stderr);
}

/**
 * A create found an object of the same id on the node that is not what it would make (another
 * spec: another MAC, address, options, or another owner's network). Nothing was changed.
 */
export class ExistsError extends Error {
  constructor(
    readonly node: string,
    /** `network <id>` or `port <id> of network <id>` */
    readonly object: string,
    /** What the node holds, in a few words (no secrets: specs hold none). */
    readonly found: string,
  ) {
    super(`${object} already exists on ${node} with another spec (${found}); nothing was changed. To manage it here, import it instead of creating it`);
    this.name = 'ExistsError';
  }
}

/** Marker a script prints on stdout when a create finds another object of its id (see ExistsError). */
export const EXISTS_MARKER = 'exists=';
