/**
 * Self-signed X.509 certificates for go-plugin's automatic mutual TLS.
 *
 * Terraform's plugin client trusts exactly the certificate announced on the handshake line, checks
 * it for host name `localhost` and extended key usage serverAuth. Generating an EC P-256 key and
 * encoding the certificate ourselves takes about a millisecond, against hundreds for spawning
 * openssl or RSA key generation — it happens on every provider start.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIPv4 } from 'node:net';
import * as der from './der';

const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  subjectAltName: '2.5.29.17',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  basicConstraints: '2.5.29.19',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

export interface CertificateOptions {
  /** Subject and issuer common name. @default 'localhost' */
  readonly commonName?: string;
  /** Subject organization. @default 'cdktf-dhcp-agent' */
  readonly organization?: string;
  /** DNS names in subjectAltName. @default ['localhost'] */
  readonly dnsNames?: readonly string[];
  /** IPv4 addresses in subjectAltName. @default ['127.0.0.1'] */
  readonly ipAddresses?: readonly string[];
  /** Extended key usages. @default ['serverAuth'] */
  readonly extKeyUsage?: readonly ('serverAuth' | 'clientAuth')[];
  /** Validity starts this long before now, for clock skew. @default 1 hour */
  readonly backdateMs?: number;
  /** Validity length from now. @default 30 days */
  readonly validForMs?: number;
}

export interface GeneratedCertificate {
  /** DER bytes of the certificate (what go-plugin's handshake line carries, base64). */
  readonly der: Buffer;
  readonly certPem: string;
  /** PKCS#8 PEM of the private key. */
  readonly keyPem: string;
  readonly privateKey: KeyObject;
}

function name(commonName: string, organization: string): Buffer {
  const rdn = (oid: string, value: string) => der.set(der.sequence(der.objectIdentifier(oid), der.utf8String(value)));
  return der.sequence(rdn(OID.organizationName, organization), rdn(OID.commonName, commonName));
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return critical
    ? der.sequence(der.objectIdentifier(oid), der.boolean(true), der.octetString(value))
    : der.sequence(der.objectIdentifier(oid), der.octetString(value));
}

function subjectAltNames(dnsNames: readonly string[], ipAddresses: readonly string[]): Buffer {
  const names = dnsNames.map((dns) => der.implicitPrimitive(2, Buffer.from(dns, 'ascii')));
  for (const ip of ipAddresses) {
    if (!isIPv4(ip)) throw new RangeError(`certificate ipAddresses: ${JSON.stringify(ip)} is not an IPv4 address`);
    names.push(der.implicitPrimitive(7, Buffer.from(ip.split('.').map(Number))));
  }
  return der.sequence(...names);
}

function toPem(label: string, body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * Generates an EC P-256 key and a self-signed certificate for it. The certificate is its own CA
 * (basicConstraints CA:TRUE, keyCertSign) so that verifiers that insist on a CA as trust anchor
 * accept it as root, as go-plugin's own certificates do.
 */
export function generateCertificate(options: CertificateOptions = {}): GeneratedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = Date.now();
  const notBefore = new Date(now - (options.backdateMs ?? 3_600_000));
  const notAfter = new Date(now + (options.validForMs ?? 30 * 24 * 3_600_000));
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const signatureAlgorithm = der.sequence(der.objectIdentifier(OID.ecdsaWithSha256));
  const subject = name(options.commonName ?? 'localhost', options.organization ?? 'cdktf-dhcp-agent');
  const eku = (options.extKeyUsage ?? ['serverAuth']).map((usage) => der.objectIdentifier(OID[usage]));

  const extensions = der.sequence(
    extension(OID.keyUsage, true, der.namedBits([0, 2, 5])), // digitalSignature, keyEncipherment, keyCertSign
    extension(OID.extKeyUsage, false, der.sequence(...eku)),
    extension(OID.basicConstraints, true, der.sequence(der.boolean(true))),
    extension(OID.subjectAltName, false, subjectAltNames(options.dnsNames ?? ['localhost'], options.ipAddresses ?? ['127.0.0.1'])),
  );
  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)), // v3
    der.unsignedInteger(serial),
    signatureAlgorithm,
    subject,
    der.sequence(der.time(notBefore), der.time(notAfter)),
    subject,
    publicKey.export({ type: 'spki', format: 'der' }),
    der.explicit(3, extensions),
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const certDer = der.sequence(tbs, signatureAlgorithm, der.bitString(signature));
  return {
    der: certDer,
    certPem: toPem('CERTIFICATE', certDer),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    privateKey,
  };
}
