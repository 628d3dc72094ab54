/**
 * Fault injection for handler tests: a Host that runs the real node scripts but has the
 * script's shell SIGKILLed (no trap runs, as when a connection or a budget kills it) the
 * moment it reaches a named step.
 */
import { shq } from '../../src/host/quote';
import type { ExecResult, Host, RunOptions, TimeoutOptions, WriteFileOptions } from '../../src/host/types';

/**
 * `script` with a SIGKILL of its own shell where step `step` starts: a `STEP=<step>` line of
 * the script, or a `step <step>` call in the node library's functions; `null` when the script
 * has no such step.
 */
export function killAtStep(script: string, step: string, kill = 'kill -KILL $$'): string | null {
  const line = `STEP=${shq(step)}`;
  const lines = script.split('\n');
  if (lines.includes(line)) return lines.map((l) => (l === line ? `${l}\n${kill}` : l)).join('\n');
  if (!lines.some((l) => l.trim() === `step ${step}`)) return null;
  return script.replace('step() { STEP=$1; }', () => `step() { STEP=$1; if [ "$1" = ${shq(step)} ]; then ${kill}; fi; }`);
}

/**
 * Runs every script through `inner`; a script that reaches step `step` is killed there, or
 * with `how: 'fail'` exits 1 there (its EXIT trap runs).
 */
export class KillAtStepHost implements Host {
  /** Scripts that had the step (and were killed there). */
  killed = 0;
  constructor(
    private readonly inner: Host,
    private readonly step: string,
    private readonly how: 'kill' | 'fail' = 'kill',
  ) {}
  get label(): string {
    return this.inner.label;
  }
  run(script: string, opts?: RunOptions): Promise<ExecResult> {
    const faulty = killAtStep(script, this.step, this.how === 'kill' ? 'kill -KILL $$' : 'exit 1');
    if (faulty !== null) this.killed++;
    return this.inner.run(faulty ?? script, opts);
  }
  writeFile(path: string, content: string | Uint8Array, opts?: WriteFileOptions): Promise<void> {
    return this.inner.writeFile(path, content, opts);
  }
  readFile(path: string, opts?: TimeoutOptions): Promise<Buffer | null> {
    return this.inner.readFile(path, opts);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
