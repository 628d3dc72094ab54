/**
 * A port's metadata for the built-in metadata service: what cloud-init will read as its
 * instance id, host name, SSH keys, user-data and network config. User-data is never repeated
 * in an issue (it may hold passwords and tokens); a private key given as a public key neither.
 */
import type { ValidationIssue } from '../errors';
import { KEY_MATERIAL_SHOWN_AS, SECRET_SHOWN_AS, keyMaterialIn } from '../secrets';
import type { PortMetadata } from '../types';
import { eachOf, isRecord, issue, pathJoin, push } from './issues';
import { checkDomain } from './names';

/** EC2 refuses user-data over 16 KiB, nova over 64 KiB: nova's limit, in bytes of UTF-8. */
export const MAX_USER_DATA_BYTES = 65535;
/** network_data.json: as large as nova's user-data, far more than any network needs. */
export const MAX_NETWORK_CONFIG_BYTES = 65535;
/** Keys per port: cloud-init installs every one; more is a mistake, not a use. */
export const MAX_PUBLIC_KEYS = 100;

const INSTANCE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$/;
const INSTANCE_ID_RULE = 'an instance id: 1–255 letters, digits, ".", "_", ":" or "-", starting with a letter or digit (e.g. the port id, or i-0123abcd)';

const KEY_TYPES = ['ssh-ed25519', 'ssh-rsa', 'ssh-dss', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com'];
const PUBLIC_KEY_RE = new RegExp(`^(${KEY_TYPES.map((k) => k.replace(/[.]/g, '\\.')).join('|')}) [A-Za-z0-9+/]+={0,3}( [^\\x00-\\x1f\\x7f]*)?$`);
const PUBLIC_KEY_RULE = `an OpenSSH public key on one line: "<type> <base64> [comment]" with type one of ${KEY_TYPES.join(', ')} (the content of a .pub file)`;

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Long text is named by its size: an issue line must stay readable. */
function shownText(text: string): string {
  return text.length <= 200 ? text : `(${text.length} characters of text)`;
}

function checkUserData(value: unknown, path: string): ValidationIssue | null {
  if (typeof value !== 'string') return issue(path, typeof value === 'object' && value !== null ? SECRET_SHOWN_AS : value, 'text (a cloud-config, a shell script, a MIME multipart…)');
  const n = bytes(value);
  if (n > MAX_USER_DATA_BYTES) return issue(path, SECRET_SHOWN_AS, `at most ${MAX_USER_DATA_BYTES} bytes of UTF-8 (nova's limit); got ${n} bytes`);
  return null;
}

function checkPublicKey(value: unknown, path: string): ValidationIssue | null {
  if (typeof value === 'string' && PUBLIC_KEY_RE.test(value) && bytes(value) <= 16384 && !keyMaterialIn(value)) return null;
  const secret = typeof value === 'string' ? keyMaterialIn(value) : null;
  if (secret) return issue(path, KEY_MATERIAL_SHOWN_AS, `${PUBLIC_KEY_RULE}; this looks like a private key (${secret})`);
  return issue(path, typeof value === 'string' ? shownText(value) : value, PUBLIC_KEY_RULE);
}

function checkNetworkConfig(value: unknown, path: string): ValidationIssue | null {
  const rule = 'OpenStack network_data.json as JSON text: an object with "links", "networks" and "services" lists (jsonencode({...}) in HCL, JSON.stringify in TypeScript)';
  if (typeof value !== 'string') return issue(path, value, rule);
  const n = bytes(value);
  if (n > MAX_NETWORK_CONFIG_BYTES) return issue(path, shownText(value), `${rule}, at most ${MAX_NETWORK_CONFIG_BYTES} bytes; got ${n}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (e) {
    return issue(path, shownText(value), `${rule}; it is not JSON (${(e as Error).message})`);
  }
  if (!isRecord(parsed)) return issue(path, shownText(value), `${rule}; it is JSON but not an object`);
  for (const key of ['links', 'networks', 'services']) {
    if (parsed[key] !== undefined && !Array.isArray(parsed[key])) return issue(pathJoin(path, key), parsed[key], `a list (${rule})`);
  }
  return null;
}

/** Every issue of a port's metadata (`path` is where it sits, e.g. `metadata`). */
export function metadataIssues(md: PortMetadata, path: string): ValidationIssue[] {
  if (!isRecord(md)) return [issue(path, md, 'an object {instanceId, hostname, userData, publicKeys, networkConfig}')];
  const out: ValidationIssue[] = [];
  const at = (key: string) => pathJoin(path, key);
  if (md.instanceId !== undefined && (typeof md.instanceId !== 'string' || !INSTANCE_ID_RE.test(md.instanceId))) out.push(issue(at('instanceId'), md.instanceId, INSTANCE_ID_RULE));
  if (md.hostname !== undefined) push(out, checkDomain(md.hostname, at('hostname')));
  if (md.userData !== undefined) push(out, checkUserData(md.userData, at('userData')));
  if (md.publicKeys !== undefined) {
    if (Array.isArray(md.publicKeys) && md.publicKeys.length > MAX_PUBLIC_KEYS) {
      out.push(issue(at('publicKeys'), `(a list of ${md.publicKeys.length} keys)`, `at most ${MAX_PUBLIC_KEYS} public keys per port`));
    } else eachOf(out, md.publicKeys as readonly unknown[] | undefined, at('publicKeys'), 'a list of OpenSSH public keys', (k, p) => push(out, checkPublicKey(k, p)));
  }
  if (md.networkConfig !== undefined) push(out, checkNetworkConfig(md.networkConfig, at('networkConfig')));
  return out;
}
