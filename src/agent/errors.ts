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
