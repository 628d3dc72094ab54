/** Small I/O helpers shared by the CLI commands. */
import { readFileSync } from 'node:fs';
import { formatIssue, type ValidationIssue } from '../model/errors';
import { toSnakeCasePath } from '../model/validate';

/** A failure the CLI reports as a message and an exit code, without a stack trace. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit code for refused input (bad JSON, validation errors). */
export const EXIT_INVALID = 2;

export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`${what}: cannot read ${path}: ${(e as Error).message}`, EXIT_INVALID);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${what}: ${path} is not valid JSON: ${(e as Error).message}`, EXIT_INVALID);
  }
}

/** Validation issues as lines for stderr, with the JSON (snake_case) field names the user wrote. */
export function issueLines(file: string, issues: readonly ValidationIssue[], snakeCase = true): string[] {
  return issues.map((i) => `${file}: ${formatIssue(snakeCase ? { ...i, path: toSnakeCasePath(i.path) } : i)}`);
}

/**
 * Runs `work`, then closes every SSH connection it opened (open connections would keep the
 * process alive). ssh2 is loaded only by commands that reach a node.
 */
export async function withSshConnections<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { defaultSshPool } = require('../host/ssh') as typeof import('../host/ssh');
    await defaultSshPool.closeAll();
  }
}
