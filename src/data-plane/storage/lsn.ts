/**
 * Log sequence numbers: PostgreSQL's WAL positions as bigints (they exceed 2^53),
 * the "X/Y" text form the server prints, and the pg_wal file naming rules that
 * storage segments reuse so their files can be dropped into a pg_wal directory.
 */

export type Lsn = bigint;

export const DEFAULT_WAL_SEGMENT_SIZE = 16 * 1024 * 1024;

/** "16/B374D848" → 0x16B374D848n. Throws on anything else (a state file must never be half-trusted). */
export function parseLsn(text: string): Lsn {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!match) throw new Error(`Not an LSN: ${JSON.stringify(text)}`);
  return (BigInt('0x' + match[1]) << 32n) | BigInt('0x' + match[2]);
}

export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** The WAL segment number holding `lsn`. */
export function segmentNumber(lsn: Lsn, walSegmentSize: number): bigint {
  return lsn / BigInt(walSegmentSize);
}

/** Start LSN of the WAL segment holding `lsn` (receivers start there, as pg_receivewal does, so files are whole). */
export function segmentStart(lsn: Lsn, walSegmentSize: number): Lsn {
  return segmentNumber(lsn, walSegmentSize) * BigInt(walSegmentSize);
}

/** pg_wal file name: TLI, then the segment number split into "log" and "seg" parts, 8 hex digits each. */
export function walFileName(timeline: number, segno: bigint, walSegmentSize: number): string {
  const perLogId = 0x100000000n / BigInt(walSegmentSize);
  const hex = (value: bigint | number) => value.toString(16).toUpperCase().padStart(8, '0');
  return hex(timeline) + hex(segno / perLogId) + hex(segno % perLogId);
}

/** Inverse of walFileName; undefined for names that are not WAL segment files. */
export function parseWalFileName(name: string, walSegmentSize: number): { timeline: number; segno: bigint } | undefined {
  if (!/^[0-9A-F]{24}$/.test(name)) return undefined;
  const perLogId = 0x100000000n / BigInt(walSegmentSize);
  return {
    timeline: parseInt(name.slice(0, 8), 16),
    segno: BigInt('0x' + name.slice(8, 16)) * perLogId + BigInt('0x' + name.slice(16, 24)),
  };
}

export const maxLsn = (values: Iterable<Lsn>): Lsn => {
  let best = 0n;
  for (const value of values) if (value > best) best = value;
  return best;
};
