/** Key material given where a key's path belongs: recognised without ever being repeated. */

/** Shown instead of a value that holds key material: it must reach no message, log or state. */
export const KEY_MATERIAL_SHOWN_AS = '(value not shown: it holds key material)';

export const PRIVATE_KEY_PATH_RULE =
  'the path of a private key file (e.g. ~/.ssh/id_ed25519), or unset to use ssh-agent; key material itself is never accepted (it would land in plan, state and messages)';

/**
 * Why `value`, given as a key path, looks like key material (a PEM/OpenSSH block, a line break,
 * a NUL, base64 of an OpenSSH key, or longer than any path), or `null` when it looks like a path.
 * The reason never quotes the value.
 */
export function keyMaterialIn(value: string): string | null {
  if (/-----BEGIN|PRIVATE KEY/.test(value)) return 'a PEM or OpenSSH key block';
  if (/[\n\r\0]/.test(value)) return 'a line break or NUL (a path has none)';
  if (value.includes('b3BlbnNzaC1rZXktdjE')) return 'base64 of an OpenSSH private key';
  if (value.length > 4096) return `${value.length} characters (longer than any path)`;
  return null;
}

/** Shown instead of a value that may hold secrets (a port's user-data): it must reach no message or log. */
export const SECRET_SHOWN_AS = '(value not shown: it may hold secrets)';
