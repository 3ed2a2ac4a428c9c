/**
 * An aurora-mysql cluster's data as it was at a chosen second, built from the
 * storage volume: a base image (a mariadb-backup copy whose GTID position is
 * known) started as a writer of its own, then every transaction the volume's
 * log holds after that position and committed before the second, replayed
 * with their GTIDs (volumeLog.ts). Serves RestoreDBClusterToPointInTime and a
 * Backtrack that flashback cannot do (DDL after the target).
 *
 * Binary-log timestamps are whole seconds: "before the second" means committed
 * in an earlier second, as Backtrack's flashback counts it.
 */
import fs from 'node:fs/promises';
import type { SegmentCopy } from '../storage/chunkReader.js';
import { mysqlBinlogPosition, parseGtidList } from './cluster.js';
import type { MysqlEnvironment } from './environment.js';
import { readMysqlSnapshotInfo, restoreMysqlWriterFromSnapshot, writeMysqlSnapshotInfo } from './snapshots.js';
import { readVolumeLog, replayVolumeTransactions, type VolumeTransaction } from './volumeLog.js';

export interface MysqlImageOptions {
  /** A snapshot-format directory (snapshots.ts): the base the log is replayed onto. */
  baseDir: string;
  /** The volume's readable segment copies (at least 3). */
  copies: readonly SegmentCopy[];
  at: Date;
  /** New directory for the image (snapshot format: RestoreDBClusterFromSnapshot starts it as is). */
  targetDir: string;
  /** Where the replaying server listens meanwhile. */
  host: string;
  port: number;
}

export interface MysqlImageResult {
  gtidPosition: string;
  replayed: number;
  /** Transactions the volume holds after the image's point: what the image leaves out. */
  after: VolumeTransaction[];
  /** Commit time of the last transaction replayed (ISO), or null when none was. */
  lastCommitTime: string | null;
}

export async function buildMysqlImageAt(env: MysqlEnvironment, options: MysqlImageOptions): Promise<MysqlImageResult> {
  const info = await readMysqlSnapshotInfo(options.baseDir);
  const summary = await readVolumeLog(options.copies, { after: info.gtidPosition });
  const second = Math.floor(options.at.getTime() / 1000);
  // Log order is commit order: the image is a prefix of it.
  const cut = summary.transactions.findIndex((t) => t.commitTime >= second);
  const replay = cut === -1 ? summary.transactions : summary.transactions.slice(0, cut);
  const after = cut === -1 ? [] : summary.transactions.slice(cut);
  assertContinues(info.gtidPosition, replay);
  if (replay.length > 0 && !summary.formatDescription) throw new Error('the volume log holds transactions but no format description to replay them with');

  const logFile = `${options.targetDir}.log`;
  const server = await restoreMysqlWriterFromSnapshot(env, { dataDir: options.targetDir, host: options.host, port: options.port, logFile, snapshotDir: options.baseDir });
  let gtidPosition: string;
  try {
    await replayVolumeTransactions(env, server, summary.formatDescription!, replay);
    gtidPosition = await mysqlBinlogPosition(server);
  } finally {
    await server.server.stop();
    await fs.rm(logFile, { force: true });
  }
  await writeMysqlSnapshotInfo(options.targetDir, { ...info, gtidPosition, createdAt: new Date().toISOString() }, env.runAs);
  const last = replay.at(-1);
  return { gtidPosition, replayed: replay.length, after, lastCommitTime: last ? new Date(last.commitTime * 1000).toISOString() : null };
}

/** The replayed transactions must continue the base's sequence in every domain: a hole means the volume missed some. */
function assertContinues(basePosition: string, transactions: readonly VolumeTransaction[]): void {
  const expected = new Map([...parseGtidList(basePosition)].map(([domain, gtid]) => [domain, gtid.seq]));
  for (const transaction of transactions) {
    const [domain, gtid] = [...parseGtidList(transaction.gtid)][0]!;
    const previous = expected.get(domain) ?? 0;
    if (gtid.seq !== previous + 1) {
      throw new Error(`the volume's log does not continue the base image at ${basePosition}: after ${domain}-…-${previous} comes ${transaction.gtid}`);
    }
    expected.set(domain, gtid.seq);
  }
}
