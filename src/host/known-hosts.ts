/**
 * OpenSSH host-key checking without OpenSSH: fingerprints as `ssh-keygen -lf` prints them and
 * the known_hosts format (plain and hashed host names, `[host]:port`, wildcards, negation,
 * `@revoked`; `@cert-authority` lines are skipped because this client does not do host
 * certificates).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** `SHA256:` + unpadded base64 of the SHA-256 of a public key blob (the `ssh-keygen -lf` form). */
export function fingerprintSha256(keyBlob: Uint8Array): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

const FINGERPRINT_RE = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

/**
 * Checks and normalises a pinned fingerprint (`SHA256:` + 43 base64 characters; a trailing `=`
 * is tolerated and dropped). Returns `undefined` when the text is not such a fingerprint.
 */
export function normalizeFingerprint(text: string): string | undefined {
  const t = text.trim();
  return FINGERPRINT_RE.test(t) ? t.replace(/=$/, '') : undefined;
}

/** The key type named inside an SSH public key blob (its first string), e.g. `ssh-ed25519`. */
export function keyTypeOfBlob(blob: Uint8Array): string {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buf.length < 4) return 'unknown';
  const len = buf.readUInt32BE(0);
  if (len > buf.length - 4 || len > 64) return 'unknown';
  return buf.subarray(4, 4 + len).toString('latin1');
}

/** The name OpenSSH looks up in known_hosts: `host`, or `[host]:port` when the port is not 22. */
export function knownHostsLookupName(host: string, port = 22): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** One parsed known_hosts line. */
export interface KnownHostsEntry {
  /** 1-based line number in the file, for messages. */
  readonly line: number;
  readonly marker?: 'revoked' | 'cert-authority';
  /** The host field as written: comma-separated patterns or one hashed `|1|salt|hash` name. */
  readonly hosts: string;
  readonly keyType: string;
  readonly keyBlob: Buffer;
}

/**
 * Parses known_hosts text. Blank lines, comments and lines that do not have the
 * `[@marker] hosts keytype base64key [comment]` shape are skipped, as OpenSSH does.
 */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/[ \t]+/);
    let marker: KnownHostsEntry['marker'];
    if (fields[0].startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return; // unknown marker: OpenSSH skips the line
    }
    if (fields.length < 3) return;
    const [hosts, keyType, b64] = fields;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return;
    const keyBlob = Buffer.from(b64, 'base64');
    if (keyBlob.length === 0 || keyTypeOfBlob(keyBlob) !== keyType) return;
    entries.push({ line: i + 1, marker, hosts, keyType, keyBlob });
  });
  return entries;
}

/**
 * Whether the host field of an entry names `lookupName` (see {@link knownHostsLookupName}).
 * Hashed entries compare HMAC-SHA1(salt, name); plain ones are comma-separated patterns with
 * `*` and `?` wildcards where a matching `!pattern` excludes the line.
 */
export function hostFieldMatches(hosts: string, lookupName: string): boolean {
  if (hosts.startsWith('|1|')) return hashedNameMatches(hosts, lookupName);
  let matched = false;
  for (const pattern of hosts.split(',')) {
    if (pattern === '') continue;
    const negated = pattern.startsWith('!');
    const p = negated ? pattern.slice(1) : pattern;
    if (globMatches(p.toLowerCase(), lookupName.toLowerCase())) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function hashedNameMatches(field: string, name: string): boolean {
  const parts = field.split('|'); // ['', '1', salt, hash]
  if (parts.length !== 4) return false;
  const salt = Buffer.from(parts[2], 'base64');
  const want = Buffer.from(parts[3], 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

function globMatches(pattern: string, text: string): boolean {
  // Iterative wildcard match with backtracking to the last `*`.
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Hashes a host name the way `ssh-keygen -H` does (random salt unless one is given). */
export function hashHostName(name: string, salt: Buffer): string {
  const hash = createHmac('sha1', salt).update(name).digest('base64');
  return `|1|${salt.toString('base64')}|${hash}`;
}

/** Outcome of checking a presented key against known_hosts entries. */
export type KnownHostsVerdict =
  | { readonly ok: true; readonly line: number }
  | {
      readonly ok: false;
      readonly reason: 'revoked' | 'mismatch' | 'unknown';
      /** Fingerprints of the keys the file lists for this host (for `mismatch`). */
      readonly expected: readonly string[];
      /** Line of the `@revoked` entry (for `revoked`). */
      readonly line?: number;
    };

/**
 * Checks a presented host key. A revoked key is refused whatever else the file says; otherwise
 * the key is accepted when an entry for the host carries exactly this key.
 */
export function checkKnownHosts(
  entries: readonly KnownHostsEntry[],
  host: string,
  port: number,
  keyBlob: Uint8Array,
): KnownHostsVerdict {
  const name = knownHostsLookupName(host, port);
  const presented = Buffer.from(keyBlob.buffer, keyBlob.byteOffset, keyBlob.byteLength);
  const revoked = entries.find(
    (e) => e.marker === 'revoked' && e.keyBlob.equals(presented) && hostFieldMatches(e.hosts, name),
  );
  if (revoked) return { ok: false, reason: 'revoked', expected: [], line: revoked.line };
  const forHost = entries.filter((e) => e.marker === undefined && hostFieldMatches(e.hosts, name));
  const same = forHost.find((e) => e.keyBlob.equals(presented));
  if (same) return { ok: true, line: same.line };
  if (forHost.length === 0) return { ok: false, reason: 'unknown', expected: [] };
  return {
    ok: false,
    reason: 'mismatch',
    expected: forHost.map((e) => `${e.keyType} ${fingerprintSha256(e.keyBlob)}`),
  };
}

/** Key types the file lists for a host (used to offer those host-key algorithms first). */
export function knownKeyTypes(entries: readonly KnownHostsEntry[], host: string, port: number): string[] {
  const name = knownHostsLookupName(host, port);
  const types = entries.filter((e) => e.marker === undefined && hostFieldMatches(e.hosts, name)).map((e) => e.keyType);
  return [...new Set(types)];
}
