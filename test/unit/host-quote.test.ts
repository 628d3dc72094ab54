import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { raw, sh, shq } from '../../src/host/quote';

/** What `sh` prints for a word built by `shq`. */
function echoThroughShell(value: string): string {
  return execFileSync('sh', ['-c', `printf %s ${shq(value)}`], { encoding: 'utf8' });
}

// Characters that mean something to a shell, to make sure generated strings hit them often.
const special = fc.constantFrom(...Array.from("'\"\\$`!*?[]{}()<>|&;~#=%,.:@+-^ \t\n\r\u00a0é€😀"));
// NUL is left out: no argv string can hold it (shq refuses it, tested above).
const shellish = fc
  .string({ unit: fc.oneof(special, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })) })
  .filter((s) => !s.includes('\0'));

describe('shq', () => {
  it('leaves plain words alone and single-quotes everything else', () => {
    assert.equal(shq('qdhcp-1234'), 'qdhcp-1234');
    assert.equal(shq('/var/lib/x.conf'), '/var/lib/x.conf');
    assert.equal(shq(42), '42');
    assert.equal(shq(''), "''");
    assert.equal(shq('a b'), "'a b'");
    assert.equal(shq("it's"), "'it'\\''s'");
    assert.equal(shq('$(reboot)'), "'$(reboot)'");
  });

  it('refuses NUL, which no shell word can hold', () => {
    assert.throws(() => shq('a\0b'), /NUL/);
  });

  it('round-trips awkward strings through sh', () => {
    for (const s of ['', ' ', "'", "''", '"', '\\', '$HOME', '`id`', '*', '-n', '--', 'a\nb', '\n', "x'y\"z$w`v\\u", '~root', '#x']) {
      assert.equal(echoThroughShell(s), s);
    }
  });

  it('round-trips any string through sh -c (property)', () => {
    fc.assert(
      fc.property(shellish, (s) => {
        assert.equal(echoThroughShell(s), s);
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips any Unicode string without NUL through sh -c (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0')),
        (s) => {
          assert.equal(echoThroughShell(s), s);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('sh tag', () => {
  it('quotes every value, spreads arrays, passes raw text through', () => {
    const ns = "qdhcp-x'; rm -rf / #";
    assert.equal(sh`ip netns add ${ns}`, "ip netns add 'qdhcp-x'\\''; rm -rf / #'");
    assert.equal(sh`echo ${['a b', 'c']} ${3}`, "echo 'a b' c 3");
    assert.equal(sh`a ${raw('2>/dev/null')} b`, 'a 2>/dev/null b');
    // Literal parts are raw: backslash escapes reach the shell as written.
    assert.equal(sh`tr '\0' '\n' < ${'f'}`, "tr '\\0' '\\n' < f");
  });

  it('produces argv the shell splits back exactly', () => {
    fc.assert(
      fc.property(fc.array(shellish, { maxLength: 5 }), (words) => {
        const out = execFileSync('sh', ['-c', sh`printf '%s\0' ${words}`], { encoding: 'utf8' });
        assert.deepEqual(words.length === 0 ? [] : out.split('\0').slice(0, -1), words);
      }),
      { numRuns: 100 },
    );
  });
});
