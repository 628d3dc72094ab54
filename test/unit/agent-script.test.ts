import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeFileCommand } from '../../src/agent/script';

describe('writeFileCommand', () => {
  it('writes through a temp file named after the writing shell, not the literal "$$" (issue 10: concurrent writers collided)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dhcp-agent-script-'));
    try {
      const target = join(dir, "it's a file");
      // Another writer's temp file under the literal name: a shared name would be written into it.
      mkdirSync(`${target}.tmp.$$`);
      const runs = [1, 2, 3].map((n) => spawnSync('sh', ['-c', `set -e\n${writeFileCommand(target, `content ${n}\n`, 0o600)}`], { encoding: 'utf8' }));
      for (const r of runs) assert.equal(r.status, 0, r.stderr);
      assert.equal(readFileSync(target, 'utf8'), 'content 3\n');
      assert.deepEqual(readdirSync(dir).sort(), [`it's a file`, `it's a file.tmp.$$`].sort(), 'no temp file left behind');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
