/** Which Debian mirror the systemd lab node's root image comes from: this machine's apt sources. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { mirrorFor, parseDeb822Sources, parseSourcesList, readAptSources } from '../../src/lab/apt-sources';

const DEB822 = `Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

describe('apt sources', () => {
  it('reads deb822 stanzas and picks the one serving the release itself', () => {
    const s = parseDeb822Sources(DEB822);
    assert.equal(s.length, 2);
    assert.deepEqual(mirrorFor(s, 'bookworm'), {
      uri: 'http://deb.debian.org/debian',
      suites: ['bookworm', 'bookworm-updates'],
      components: ['main'],
      signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg',
    });
    assert.equal(mirrorFor(s, 'trixie'), undefined);
  });

  it('skips deb-src, disabled stanzas and inline keys', () => {
    const s = parseDeb822Sources(`Types: deb-src\nURIs: http://a.example/debian\nSuites: bookworm\nComponents: main\n\nTypes: deb\nEnabled: no\nURIs: http://b.example/debian\nSuites: bookworm\nComponents: main\n\nTypes: deb\nURIs: http://c.example/debian\nSuites: bookworm\nComponents: main contrib\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n -----END PGP PUBLIC KEY BLOCK-----\n`);
    assert.deepEqual(s, [{ uri: 'http://c.example/debian', suites: ['bookworm'], components: ['main', 'contrib'] }]);
  });

  it('reads one-line sources.list entries with options and comments', () => {
    const s = parseSourcesList(
      '# deb http://old.example/debian bookworm main\ndeb-src http://src.example/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main non-free # mirror\ndeb http://security.example/debian-security bookworm-security main\n',
    );
    assert.deepEqual(s, [
      { uri: 'http://m.example/debian', suites: ['bookworm'], components: ['main', 'non-free'], signedBy: '/k.gpg' },
      { uri: 'http://security.example/debian-security', suites: ['bookworm-security'], components: ['main'] },
    ]);
    assert.equal(mirrorFor(s, 'bookworm')?.uri, 'http://m.example/debian');
  });

  it('reads sources.list and sources.list.d, ignoring other file names', async () => {
    const etc = mkdtempSync(`${tmpdir()}/apt-`);
    mkdirSync(`${etc}/sources.list.d`);
    writeFileSync(`${etc}/sources.list.d/debian.sources`, DEB822);
    writeFileSync(`${etc}/sources.list.d/other.list.disabled`, 'deb http://x.example/debian bookworm main\n');
    writeFileSync(`${etc}/sources.list.d/z.list`, 'deb http://z.example/debian bookworm main\n');
    const s = await readAptSources(etc);
    assert.deepEqual(s.map((x) => x.uri), ['http://deb.debian.org/debian', 'http://deb.debian.org/debian-security', 'http://z.example/debian']);
  });
});
