/**
 * cdktf-cli asks for approval through a terminal UI that needs a TTY on its stdin; without one
 * (CI, a pipe, `< /dev/null`) `cdktf deploy` without `--auto-approve` fails with a raw stack
 * trace ("Raw mode is not supported…"). The app runs as cdktf-cli's child: at synthesis it can
 * see its ancestor's command line and stdin in /proc and print a one-line hint first (cdktf-cli
 * shows the app's stderr). Linux only; elsewhere, or when unsure, it says nothing.
 */
import { readFileSync, readlinkSync } from 'node:fs';

const PROMPTING = new Set(['deploy', 'destroy', 'apply']);

function parentOf(proc: string, pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses.
    const stat = readFileSync(`${proc}/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return ppid > 1 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** The hint, when an ancestor is cdktf-cli deploying/destroying without --auto-approve and without a TTY; else undefined. */
export function autoApproveHint(proc = '/proc', start: number = process.ppid): string | undefined {
  for (let pid: number | undefined = start, depth = 0; pid !== undefined && depth < 6; pid = parentOf(proc, pid), depth++) {
    let args: string[];
    try {
      args = readFileSync(`${proc}/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
    } catch {
      return undefined;
    }
    const cli = args.findIndex((a) => /(^|\/)cdktf(\.js)?$/.test(a) || /cdktf-cli\//.test(a));
    if (cli < 0) continue;
    const command = args.slice(cli + 1).find((a) => !a.startsWith('-'));
    if (!command || !PROMPTING.has(command) || args.some((a) => a === '--auto-approve' || a.startsWith('--auto-approve='))) return undefined;
    let stdin: string;
    try {
      stdin = readlinkSync(`${proc}/${pid}/fd/0`);
    } catch {
      return undefined;
    }
    if (/^\/dev\/(pts\/|tty)/.test(stdin)) return undefined;
    return `cdktf-dhcp-agent: \`cdktf ${command}\` runs without a terminal (stdin is ${stdin}), so it cannot ask for approval: add --auto-approve (without it cdktf-cli fails with "Raw mode is not supported").`;
  }
  return undefined;
}

let shown = false;

/** Prints the hint once per process, if there is one. */
export function showAutoApproveHint(): void {
  if (shown) return;
  shown = true;
  const hint = autoApproveHint();
  if (hint) process.stderr.write(`${hint}\n`);
}
