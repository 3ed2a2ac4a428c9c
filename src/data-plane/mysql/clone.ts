/**
 * Consistent copies of a running server with mariadb-backup: the InnoDB files
 * plus the redo written while copying, with BACKUP STAGE locks around the
 * non-transactional tables and the binary-log position, then --prepare
 * (crash recovery on the copy). The result is a data directory that starts as
 * is, and the GTID position it corresponds to.
 *
 * Why mariadb-backup rather than a dump: it is a physical copy (as fast as the
 * disk, every engine and system table, no re-import), the writer keeps taking
 * writes except for a brief commit block at the end, and it reports the exact
 * GTID position of the copy, which a replica starts replicating from.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { runMysqlTool, writeClientOptionFile } from './commands.js';
import { withScratchDir, type MysqlEnvironment } from './environment.js';
import type { MysqlAdminTarget } from './sql.js';

export type MysqlCloneMethod = 'mariadb-backup';

export interface MysqlBackupResult {
  method: MysqlCloneMethod;
  /** gtid_binlog_pos of the source at the moment of the copy ('' when it had written no transaction yet). */
  gtidPosition: string;
  /** The source's binary log file and offset at that moment. */
  binlogFile?: string;
  binlogPosition?: number;
}

/** Files mariadb-backup leaves in its target directory; metadata about the copy, not part of a data directory. */
const BACKUP_METADATA = /^(backup-my\.cnf|xtrabackup_.*|mariadb_backup_.*|aria_log_control\.backup)$/;

/**
 * Copies the running server `source` into `targetDir`, which must exist, be
 * empty and belong to the server user. Runs as the server user: it reads the
 * source's files directly, so both servers must be on this machine.
 */
export async function backupRunningServer(
  env: MysqlEnvironment,
  source: MysqlAdminTarget & { dataDir: string },
  targetDir: string,
): Promise<MysqlBackupResult> {
  const { binaries, runAs } = env;
  // Each run has its own --tmpdir, never the shared /tmp (see newTmpDirFor in settings.ts).
  await withScratchDir(env, async (scratch) => {
    const options = await writeClientOptionFile(path.join(scratch, 'backup.cnf'), source, runAs);
    await runMysqlTool(
      binaries.backup,
      [`--defaults-file=${options}`, '--backup', `--target-dir=${targetDir}`, `--datadir=${path.resolve(source.dataDir)}`, `--tmpdir=${scratch}`],
      { runAs, cwd: scratch, timeoutMs: 30 * 60_000 },
    );
  });
  await withScratchDir(env, (scratch) =>
    runMysqlTool(binaries.backup, ['--no-defaults', '--prepare', `--target-dir=${targetDir}`, `--tmpdir=${scratch}`], {
      runAs,
      cwd: targetDir,
      timeoutMs: 30 * 60_000,
    }),
  );
  const result = await readBinlogInfo(targetDir);
  await removeBackupMetadata(targetDir);
  return result;
}

/** "binlog.000002\t593\t0-7-9" (file, offset, GTID list), written by --backup. */
async function readBinlogInfo(targetDir: string): Promise<MysqlBackupResult> {
  for (const name of ['mariadb_backup_binlog_info', 'xtrabackup_binlog_info']) {
    const text = await fs.readFile(path.join(targetDir, name), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const [file, offset, gtid] = text.trim().split('\t');
    return { method: 'mariadb-backup', gtidPosition: (gtid ?? '').trim(), binlogFile: file, binlogPosition: offset ? Number(offset) : undefined };
  }
  throw new Error(`mariadb-backup wrote no binary-log position into ${targetDir} (is log-bin off on the source?)`);
}

export async function removeBackupMetadata(dir: string): Promise<void> {
  const entries = await fs.readdir(dir);
  await Promise.all(entries.filter((name) => BACKUP_METADATA.test(name)).map((name) => fs.rm(path.join(dir, name), { force: true })));
}
