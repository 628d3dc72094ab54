import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { HOST_KEY_RULE_SITES, SSH_FIELD_DECLARATIONS, generate } from '../../scripts/gen-docs';

const repo = resolve(__dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'gen-docs-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of what gen-docs reads and writes: the docs and the files declaring SSH fields. */
function copyOfRepo(name: string): string {
  const root = join(scratch, name);
  cpSync(join(repo, 'docs'), join(root, 'docs'), { recursive: true });
  for (const [file] of [...SSH_FIELD_DECLARATIONS, ...HOST_KEY_RULE_SITES]) cpSync(join(repo, file), join(root, file));
  return root;
}

describe('gen-docs', () => {
  it('finds the checked-in docs and TSDoc up to date', () => {
    assert.deepEqual(generate(copyOfRepo('clean'), false), []);
  });

  it('--check exits 1 naming a deliberately edited doc, and changes nothing', () => {
    const root = copyOfRepo('edited');
    const file = join(root, 'docs/resources/port.md');
    const edited = readFileSync(file, 'utf8').replace('The client\'s MAC', 'The MAC');
    writeFileSync(file, edited);
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'scripts/gen-docs.ts'), '--check', '--root', root], { cwd: repo, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /docs\/resources\/port\.md: stale/);
    assert.doesNotMatch(r.stderr, /network\.md|node\.md|index\.md/);
    assert.equal(readFileSync(file, 'utf8'), edited);
  });

  it('names a missing doc and a stray one', () => {
    const root = copyOfRepo('missing');
    rmSync(join(root, 'docs/index.md'));
    writeFileSync(join(root, 'docs/resources/old.md'), '# gone\n');
    assert.deepEqual(generate(root, false), [
      'docs/index.md: missing (generated from the schema tables)',
      'docs/resources/old.md: no resource table generates it (remove it, or add the resource)',
    ]);
  });

  it('names a TSDoc that says another host-key rule, and writing puts the table\'s back', () => {
    const root = copyOfRepo('tsdoc');
    const [path, iface] = SSH_FIELD_DECLARATIONS[0];
    const file = join(root, path);
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace(/`insecureIgnoreHostKey: true` must be set/, '`insecureIgnoreHostKey` may be set'));
    assert.deepEqual(generate(root, false), [`${path}: ${iface}.hostKeySha256: TSDoc differs from SSH_CONNECTION_FIELDS (src/host/ssh-connection.ts)`]);
    generate(root, true);
    assert.equal(readFileSync(file, 'utf8'), good);
  });

  it('names a hand-written doc that no longer states the host-key rule', () => {
    const root = copyOfRepo('readme');
    const file = join(root, 'docs/constructs.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/Exactly one of `hostKeySha256`[^|]*\|/, 'Set at most one of `hostKeySha256`, `knownHostsPath` and `insecureIgnoreHostKey`. |'));
    const problems = generate(root, true);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^docs\/constructs\.md: does not state HOST_KEY_RULE/);
  });
});
