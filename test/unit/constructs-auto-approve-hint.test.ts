import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { autoApproveHint } from '../../constructs/auto-approve-hint';

const root = mkdtempSync(join(tmpdir(), 'auto-approve-hint-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A fake /proc: the app (pid 30) under a shell (20) under cdktf-cli (10). */
function proc(name: string, cliArgs: string[], stdin: string): string {
  const dir = join(root, name);
  const add = (pid: number, ppid: number, args: string[], fd0: string) => {
    mkdirSync(join(dir, String(pid), 'fd'), { recursive: true });
    writeFileSync(join(dir, String(pid), 'stat'), `${pid} (node (x)) S ${ppid} 1 1`);
    writeFileSync(join(dir, String(pid), 'cmdline'), args.join('\0') + '\0');
    symlinkSync(fd0, join(dir, String(pid), 'fd', '0'));
  };
  add(10, 1, ['node', '/app/node_modules/.bin/cdktf', ...cliArgs], stdin);
  add(20, 10, ['/bin/sh', '-c', 'npx tsx main.ts'], 'pipe:[1]');
  add(30, 20, ['node', 'main.ts'], 'pipe:[1]');
  return dir;
}

describe('autoApproveHint', () => {
  it('hints at --auto-approve when cdktf deploy/destroy has no TTY on stdin', () => {
    assert.match(autoApproveHint(proc('a', ['deploy'], '/dev/null'), 30) ?? '', /`cdktf deploy` runs without a terminal \(stdin is \/dev\/null\).*add --auto-approve/);
    assert.match(autoApproveHint(proc('b', ['destroy', 'mystack'], 'pipe:[7]'), 30) ?? '', /`cdktf destroy`/);
  });

  it('says nothing with --auto-approve, with a TTY, for commands that do not prompt, or without cdktf-cli', () => {
    assert.equal(autoApproveHint(proc('c', ['deploy', '--auto-approve'], '/dev/null'), 30), undefined);
    assert.equal(autoApproveHint(proc('d', ['deploy'], '/dev/pts/3'), 30), undefined);
    assert.equal(autoApproveHint(proc('e', ['synth'], '/dev/null'), 30), undefined);
    assert.equal(autoApproveHint(join(root, 'no-proc'), 30), undefined);
  });
});
