/**
 * Builds the shell scripts the agent sends to a node: one script per handler step, so an
 * operation costs one round trip. User-derived values enter only through `shq`/`sh`
 * (src/host/quote.ts); file contents travel base64-encoded in quoted here-documents, where
 * the shell expands nothing.
 */
import { createHash } from 'node:crypto';
import { sh, shq } from '../host/quote';

/** stderr marker the prelude prints when a step fails; parsed by `failedStep`. */
export const FAILED_STEP_MARKER = '@@dhcp-agent-failed-step';

/** Exit code a script uses to say "the network changed under me, render again". */
export const EXIT_RETRY = 75;

/**
 * Time budgets of a node script that takes a network lock: how long it may wait for the lock,
 * and how long its work may take once it holds it. Separate on purpose: a script that gets the
 * lock late still has its whole work budget, instead of being killed mid-setup. Mutable for
 * tests that need short waits.
 */
export const nodeBudget = { lockWaitSeconds: 120, workSeconds: 120 };

/** Transport timeout (caller and node side) of a script that takes a lock: the wait plus the work. */
export function lockedRunTimeoutMs(): number {
  return (nodeBudget.lockWaitSeconds + nodeBudget.workSeconds) * 1000;
}

const HEREDOC_END = '__DHCP_AGENT_EOF__';

export function sha256(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The lines every script starts with: strict mode, C locale, sane PATH and umask, step tracking. */
export function prelude(): string {
  return [
    'set -eu',
    'export LC_ALL=C',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH',
    // dnsmasq drops privileges to nobody: directories 0755, files 0644 or it serves nothing.
    'umask 022',
    'STEP=start',
    exitTrap(),
  ].join('\n');
}

/**
 * The EXIT trap that reports the failed step; `onFailure` (shell text) runs first, when the
 * script exits non-zero. A SIGKILL runs no trap: what must survive one is made resumable on
 * the node instead (see recover_ports in sh/network-lib.sh).
 */
function exitTrap(onFailure = ''): string {
  const undo = onFailure ? `${onFailure} >&2 || true; ` : '';
  return [
    "# shellcheck disable=SC2154 # rc is assigned in the trap's own text, which shellcheck 0.9 does not follow.",
    `trap 'rc=$?; if [ "$rc" -ne 0 ]; then ${undo}echo "${FAILED_STEP_MARKER} $STEP $rc" >&2; fi' EXIT`,
  ].join('\n');
}

/** Shell text that decodes `content` into `path` atomically (temp file + rename). */
export function writeFileCommand(path: string, content: string | Uint8Array, mode = 0o644): string {
  // The quoted path, then the shell's own pid unquoted: writers on one node never share a temp file.
  const tmp = `${shq(`${path}.tmp.`)}$$`;
  return [
    `base64 -d > ${tmp} <<'${HEREDOC_END}'`,
    base64Lines(content),
    HEREDOC_END,
    `chmod ${mode.toString(8)} ${tmp}`,
    `mv -f ${tmp} ${shq(path)}`,
  ].join('\n');
}

function base64Lines(content: string | Uint8Array): string {
  const b64 = Buffer.from(content).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join('\n');
}

/** Accumulates steps of one script. */
export class Script {
  private readonly parts: string[] = [prelude()];

  /** Names the step that the following commands belong to (shown when one of them fails). */
  step(name: string): this {
    this.parts.push(`STEP=${shq(name)}`);
    return this;
  }

  /** Appends shell text built with `sh`/`shq` or constant text. */
  add(...text: string[]): this {
    this.parts.push(...text);
    return this;
  }

  writeFile(path: string, content: string | Uint8Array, mode = 0o644): this {
    this.parts.push(writeFileCommand(path, content, mode));
    return this;
  }

  /**
   * Takes an exclusive lock on `lockFile` (flock) for the rest of the script, waiting at most
   * `waitSeconds`; run such a script with {@link lockedRunTimeoutMs}, so that the wait does not
   * eat into the work's budget.
   */
  lock(lockFile: string, waitSeconds = nodeBudget.lockWaitSeconds): this {
    this.parts.push(
      `exec 9>>${shq(lockFile)}`,
      sh`flock -w ${waitSeconds} 9 || { printf 'another writer held the lock %s for more than %s s; nothing was changed\n' ${lockFile} ${waitSeconds} >&2; exit 1; }`,
    );
    return this;
  }

  /** From here on, a non-zero exit runs `command` (shell text, stdout to stderr) before the failed step is reported. */
  onFailure(command: string): this {
    this.parts.push(exitTrap(command));
    return this;
  }

  /**
   * Ends the script without changes (printing `deleted=0`) when `marker` names a generation
   * other than `generation` (see HandlerOptions.generation).
   */
  exitIfOtherGeneration(marker: string, generation: string): this {
    return this.step('generation').add(sh`if [ -e ${marker} ] && [ "$(cat ${marker})" != ${generation} ]; then echo deleted=0; exit 0; fi`);
  }

  toString(): string {
    return this.parts.join('\n') + '\n';
  }
}

/** Splits a script's stderr into the failed step (if the prelude reported one) and the rest. */
export function failedStep(stderr: string): { step: string | null; stderr: string } {
  const lines = stderr.split('\n');
  let step: string | null = null;
  const rest: string[] = [];
  for (const line of lines) {
    if (line.startsWith(FAILED_STEP_MARKER + ' ')) {
      const parts = line.slice(FAILED_STEP_MARKER.length + 1).split(' ');
      parts.pop();
      step = parts.join(' ');
    } else {
      rest.push(line);
    }
  }
  return { step, stderr: rest.join('\n').trim() };
}
