import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  checkKnownHosts,
  fingerprintSha256,
  hashHostName,
  hostFieldMatches,
  keyTypeOfBlob,
  knownHostsLookupName,
  knownKeyTypes,
  normalizeFingerprint,
  parseKnownHosts,
} from '../../src/host/known-hosts';

// Vectors made with OpenSSH 9.2: `ssh-keygen -lf` for the fingerprints, `ssh-keygen -H` for the
// hashed names (host.example and [host.example]:2222).
const ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIPG50szpL3hEOQLe2IiFwumjvQXbx714Lc9gCxZ7uK2u';
const ED25519_FP = 'SHA256:4RYLf5taXO8z1dLNx5bESQruLh9J+7yfBV9uVFdIGME';
const ECDSA =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBNUzwOuV7kNEumDtiDd9oM735wF6XfWt/47dpJQiE37gUPHd944NbGWdXm3PBFM8f65NCfXU7Y+3elwOTX1blBU=';
const ECDSA_FP = 'SHA256:HYS/dxzZ9lPmn6LQ7FCOpd4y7xUW/BtIhJEPMyjsW70';
const HASHED_PLAIN = '|1|FLdbEcGyUQmArIZ/5FIWbEU/GM8=|EP+ePg2keN1cmfKRBzNFNXz3JJg=';
const HASHED_PORT = '|1|3V4yulYqekTB96+qQKLpxAtbKc8=|zxcf1MTr8pj3MVao9/taV3EjjkI=';

const blob = (b64: string): Buffer => Buffer.from(b64, 'base64');

function hasProgram(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('fingerprints', () => {
  it('match ssh-keygen -lf (SHA256, unpadded base64)', () => {
    assert.equal(fingerprintSha256(blob(ED25519)), ED25519_FP);
    assert.equal(fingerprintSha256(blob(ECDSA)), ECDSA_FP);
  });

  it('normalise pins and refuse other text', () => {
    assert.equal(normalizeFingerprint(` ${ED25519_FP}=`), ED25519_FP);
    assert.equal(normalizeFingerprint(ED25519_FP), ED25519_FP);
    assert.equal(normalizeFingerprint('MD5:ab:cd'), undefined);
    assert.equal(normalizeFingerprint('SHA256:short'), undefined);
    assert.equal(normalizeFingerprint(ED25519_FP.slice(7)), undefined);
  });

  it('read the key type from the blob', () => {
    assert.equal(keyTypeOfBlob(blob(ED25519)), 'ssh-ed25519');
    assert.equal(keyTypeOfBlob(blob(ECDSA)), 'ecdsa-sha2-nistp256');
    assert.equal(keyTypeOfBlob(Buffer.from([0, 0])), 'unknown');
    assert.equal(keyTypeOfBlob(Buffer.from([0, 0, 1, 0, 65])), 'unknown');
  });

  it('agree with ssh-keygen on a fresh key', { skip: hasProgram('ssh-keygen') ? false : 'needs ssh-keygen (openssh-client)' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'kh-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
      const b64 = readFileSync(join(dir, 'k.pub'), 'utf8').split(' ')[1];
      const printed = execFileSync('ssh-keygen', ['-lf', join(dir, 'k.pub')], { encoding: 'utf8' }).split(' ')[1];
      assert.equal(fingerprintSha256(blob(b64)), printed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('host names', () => {
  it('use [host]:port only for ports other than 22', () => {
    assert.equal(knownHostsLookupName('h.example'), 'h.example');
    assert.equal(knownHostsLookupName('h.example', 22), 'h.example');
    assert.equal(knownHostsLookupName('h.example', 2222), '[h.example]:2222');
    assert.equal(knownHostsLookupName('2001:db8::1', 2222), '[2001:db8::1]:2222');
  });

  it('match plain patterns, lists, wildcards and negation like OpenSSH', () => {
    assert.ok(hostFieldMatches('a.example,b.example', 'b.example'));
    assert.ok(hostFieldMatches('A.Example', 'a.example'));
    assert.ok(hostFieldMatches('*.example', 'x.y.example'));
    assert.ok(hostFieldMatches('198.51.100.?', '198.51.100.7'));
    assert.ok(!hostFieldMatches('198.51.100.?', '198.51.100.17'));
    assert.ok(hostFieldMatches('[h.example]:2222', '[h.example]:2222'));
    assert.ok(!hostFieldMatches('h.example', '[h.example]:2222'));
    assert.ok(!hostFieldMatches('*.example,!bad.example', 'bad.example'));
    assert.ok(hostFieldMatches('*.example,!bad.example', 'good.example'));
    assert.ok(!hostFieldMatches('!bad.example', 'good.example'));
  });

  it('match hashed names made by ssh-keygen -H', () => {
    assert.ok(hostFieldMatches(HASHED_PLAIN, 'host.example'));
    assert.ok(!hostFieldMatches(HASHED_PLAIN, 'other.example'));
    assert.ok(hostFieldMatches(HASHED_PORT, '[host.example]:2222'));
    assert.ok(!hostFieldMatches(HASHED_PORT, 'host.example'));
    assert.ok(!hostFieldMatches('|1|bad', 'host.example'));
  });

  it('hash names the way ssh-keygen does', () => {
    const salt = Buffer.from('FLdbEcGyUQmArIZ/5FIWbEU/GM8=', 'base64');
    assert.equal(hashHostName('host.example', salt), HASHED_PLAIN);
  });
});

describe('known_hosts files', () => {
  const file = [
    '# comment',
    '',
    `${HASHED_PLAIN} ssh-ed25519 ${ED25519}`,
    `${HASHED_PORT} ecdsa-sha2-nistp256 ${ECDSA}`,
    `other.example ssh-ed25519 ${ED25519} a comment`,
    `@cert-authority *.example ssh-ed25519 ${ED25519}`,
    `@revoked revoked.example ecdsa-sha2-nistp256 ${ECDSA}`,
    `revoked.example ecdsa-sha2-nistp256 ${ECDSA}`,
    'broken line',
    `mismatch.example ssh-rsa ${ED25519}`,
    `@unknown x.example ssh-ed25519 ${ED25519}`,
  ].join('\n');
  const entries = parseKnownHosts(file);

  it('parses entries, markers and skips malformed lines', () => {
    assert.deepEqual(
      entries.map((e) => [e.line, e.marker ?? '', e.hosts, e.keyType]),
      [
        [3, '', HASHED_PLAIN, 'ssh-ed25519'],
        [4, '', HASHED_PORT, 'ecdsa-sha2-nistp256'],
        [5, '', 'other.example', 'ssh-ed25519'],
        [6, 'cert-authority', '*.example', 'ssh-ed25519'],
        [7, 'revoked', 'revoked.example', 'ecdsa-sha2-nistp256'],
        [8, '', 'revoked.example', 'ecdsa-sha2-nistp256'],
      ],
    );
  });

  it('accepts the listed key for a hashed host, with and without port', () => {
    assert.deepEqual(checkKnownHosts(entries, 'host.example', 22, blob(ED25519)), { ok: true, line: 3 });
    assert.deepEqual(checkKnownHosts(entries, 'host.example', 2222, blob(ECDSA)), { ok: true, line: 4 });
  });

  it('reports a different key with the expected fingerprints', () => {
    const v = checkKnownHosts(entries, 'host.example', 22, blob(ECDSA));
    assert.deepEqual(v, { ok: false, reason: 'mismatch', expected: [`ssh-ed25519 ${ED25519_FP}`] });
  });

  it('reports hosts it does not list (a cert-authority line does not count)', () => {
    assert.deepEqual(checkKnownHosts(entries, 'new.example', 22, blob(ED25519)), { ok: false, reason: 'unknown', expected: [] });
    assert.deepEqual(checkKnownHosts(entries, 'host.example', 2200, blob(ECDSA)), { ok: false, reason: 'unknown', expected: [] });
  });

  it('refuses a revoked key even where a plain line lists it', () => {
    assert.deepEqual(checkKnownHosts(entries, 'revoked.example', 22, blob(ECDSA)), {
      ok: false,
      reason: 'revoked',
      expected: [],
      line: 7,
    });
  });

  it('lists the key types known for a host', () => {
    assert.deepEqual(knownKeyTypes(entries, 'host.example', 22), ['ssh-ed25519']);
    assert.deepEqual(knownKeyTypes(entries, 'host.example', 2222), ['ecdsa-sha2-nistp256']);
    assert.deepEqual(knownKeyTypes(entries, 'nobody.example', 22), []);
  });

  it('reads a file hashed by ssh-keygen -H', { skip: hasProgram('ssh-keygen') ? false : 'needs ssh-keygen (openssh-client)' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'kh-'));
    try {
      const path = join(dir, 'known_hosts');
      writeFileSync(path, `h1.example,198.51.100.4 ssh-ed25519 ${ED25519}\n[h2.example]:2022 ecdsa-sha2-nistp256 ${ECDSA}\n`);
      execFileSync('ssh-keygen', ['-H', '-f', path], { stdio: 'ignore' });
      const hashed = parseKnownHosts(readFileSync(path, 'utf8'));
      assert.ok(hashed.every((e) => e.hosts.startsWith('|1|')));
      assert.equal(checkKnownHosts(hashed, 'h1.example', 22, blob(ED25519)).ok, true);
      assert.equal(checkKnownHosts(hashed, '198.51.100.4', 22, blob(ED25519)).ok, true);
      assert.equal(checkKnownHosts(hashed, 'h2.example', 2022, blob(ECDSA)).ok, true);
      assert.equal(checkKnownHosts(hashed, 'h2.example', 22, blob(ECDSA)).ok, false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
