/**
 * A minimal, deterministic ZIP writer (files stored, not compressed): the packed layout of a
 * Terraform filesystem mirror is a zip. The same files give the same bytes on every machine
 * and Node.js version (fixed timestamps, no compressor whose output could vary), and each entry
 * carries its Unix mode, which Terraform keeps when it extracts the package.
 */
import { crc32 } from 'node:zlib';

export interface ZipEntry {
  /** Path inside the archive, `/`-separated. */
  readonly name: string;
  readonly data: Uint8Array;
  /** Unix permission bits, e.g. 0o755. */
  readonly mode: number;
}

const DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1;
const UNIX_VERSION_MADE_BY = (3 << 8) | 20; // host system 3 = Unix: readers take the mode from the external attributes
const VERSION_NEEDED_STORED = 10;
const UTF8_NAMES = 0x0800;

function header(size: number, fill: (b: Buffer) => void): Buffer {
  const b = Buffer.alloc(size);
  fill(b);
  return b;
}

/** The zip archive holding `entries` in the given order. */
export function storedZip(entries: readonly ZipEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    if (!/^[^/][^\\]*$/.test(e.name) || e.name.split('/').includes('..')) throw new Error(`zip: bad entry name ${JSON.stringify(e.name)}`);
    const name = Buffer.from(e.name, 'utf8');
    const data = Buffer.from(e.data);
    const crc = crc32(data);
    const local = header(30, (b) => {
      b.writeUInt32LE(0x04034b50, 0);
      b.writeUInt16LE(VERSION_NEEDED_STORED, 4);
      b.writeUInt16LE(UTF8_NAMES, 6);
      b.writeUInt16LE(0, 8); // stored
      b.writeUInt16LE(0, 10); // time 00:00:00
      b.writeUInt16LE(DOS_DATE_1980_01_01, 12);
      b.writeUInt32LE(crc, 14);
      b.writeUInt32LE(data.length, 18);
      b.writeUInt32LE(data.length, 22);
      b.writeUInt16LE(name.length, 26);
      b.writeUInt16LE(0, 28);
    });
    central.push(
      header(46, (b) => {
        b.writeUInt32LE(0x02014b50, 0);
        b.writeUInt16LE(UNIX_VERSION_MADE_BY, 4);
        b.writeUInt16LE(VERSION_NEEDED_STORED, 6);
        b.writeUInt16LE(UTF8_NAMES, 8);
        b.writeUInt16LE(0, 10);
        b.writeUInt16LE(0, 12);
        b.writeUInt16LE(DOS_DATE_1980_01_01, 14);
        b.writeUInt32LE(crc, 16);
        b.writeUInt32LE(data.length, 20);
        b.writeUInt32LE(data.length, 24);
        b.writeUInt16LE(name.length, 28);
        // extra, comment, disk number, internal attributes: 0
        b.writeUInt32LE(((0o100000 | (e.mode & 0o777)) << 16) >>> 0, 38); // regular file + mode
        b.writeUInt32LE(offset, 42);
      }),
      name,
    );
    parts.push(local, name, data);
    offset += local.length + name.length + data.length;
  }
  const centralBytes = Buffer.concat(central);
  const end = header(22, (b) => {
    b.writeUInt32LE(0x06054b50, 0);
    b.writeUInt16LE(entries.length, 8);
    b.writeUInt16LE(entries.length, 10);
    b.writeUInt32LE(centralBytes.length, 12);
    b.writeUInt32LE(offset, 16);
  });
  return Buffer.concat([...parts, centralBytes, end]);
}
