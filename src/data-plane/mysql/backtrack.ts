/**
 * Backtrack for MariaDB: rewinds a writer's data in place with binary-log
 * flashback. The binary log is cut at a transaction boundary, and
 * `mariadb-binlog --flashback` turns every later transaction into its inverse
 * (inserts ↔ deletes, update images swapped), newest first; the mariadb client
 * applies that on the writer, as one transaction. The inverse transactions are binlogged like any
 * other, so replicas rewind with it, and a later rewind to an earlier time
 * reverts them too.
 *
 * While it runs, clients are held off: existing connections are killed (their
 * open transactions roll back) and new logins fail in init_connect, which
 * MariaDB skips for accounts with CONNECTION ADMIN: the emulator's admin and
 * replication connections keep working, the master user's are refused.
 *
 * Limits (see the README): row changes only; statements logged as text (DDL)
 * cannot be reverted, so a rewind across one is refused unless
 * `ignoreStatements` is set (account changes such as a new master password are
 * kept without asking). Binary-log timestamps have one-second resolution.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { readBinlogFile, readBinlogHead, type BinlogTransaction } from './binlog.js';
import { formatGtidList, parseGtidList, slaveStatus, type MysqlInstance } from './cluster.js';
import { runMysqlTool, writeClientOptionFile } from './commands.js';
import { withScratchDir, type MysqlEnvironment } from './environment.js';
import { MysqlRewindError, MysqlRewindStatementsError } from './errors.js';
import { queryRows, queryValue, withMysqlAdmin, type MysqlConnection } from './sql.js';

/**
 * Where to rewind to. A Date: the state before the first transaction (in log
 * order) that committed at or after that second (milliseconds are dropped:
 * binary-log timestamps are whole seconds). A GTID position ("0-123-45"): the
 * state right after that transaction, exact whatever the clock did; record
 * @@gtid_binlog_pos with wall-clock times to rewind to finer instants.
 */
export type MysqlRewindTarget = Date | { gtidPosition: string };

export interface MysqlRewindOptions {
  /** Rewind even if statements that flashback cannot revert (DDL …) were logged after the target; they stay applied. */
  ignoreStatements?: boolean;
  /** Upper bound for dropping client connections (their rollbacks) (default 30 s). */
  drainTimeoutMs?: number;
  /** Upper bound for generating and applying the flashback (default 30 min). */
  timeoutMs?: number;
}

export interface MysqlRewindResult {
  /** The target: the whole second rewound to, or the GTID position. */
  target: Date | string;
  /** Row changes reverted (each inserted, updated or deleted row counts once): the change records undone. */
  changeRecords: number;
  /** Binary-log row events reverted (one event can carry many rows). */
  rowEvents: number;
  /** Transactions reverted. */
  transactions: number;
  /** GTIDs of the first and last reverted transactions (null when nothing was reverted). */
  firstRevertedGtid: string | null;
  lastRevertedGtid: string | null;
  /** Binary-log files read. */
  binlogFiles: string[];
  /** Statements after the target that stayed applied (account changes, or anything with ignoreStatements). */
  statementsNotReverted: string[];
  /** Client connections killed. */
  connectionsDropped: number;
  durationMs: number;
}

/** What a blocked login runs: it fails, so MariaDB closes the connection (and logs the text). */
const HOLD_OFF_CLIENTS = `SIGNAL SQLSTATE '08004' SET MESSAGE_TEXT = 'aurora-local: Backtrack in progress, try again shortly'`;

/** Logged statements that change no table data, so leaving them applied is harmless. */
const HARMLESS_STATEMENT = /^\s*(?:\/\*.*?\*\/\s*)*(?:(?:CREATE|ALTER|DROP|RENAME)\s+(?:USER|ROLE)\b|GRANT\b|REVOKE\b|SET\s+(?:PASSWORD|DEFAULT\s+ROLE)\b|FLUSH\b|ANALYZE\b)/is;

const inProgress = new Set<string>();

/** Rewinds `writer` in place (see the module comment). Replicas follow through replication. */
export async function rewindMysqlTo(
  env: MysqlEnvironment,
  writer: MysqlInstance,
  target: MysqlRewindTarget,
  options: MysqlRewindOptions = {},
): Promise<MysqlRewindResult> {
  const started = Date.now();
  if (inProgress.has(writer.dataDir)) throw new MysqlRewindError(`A rewind of ${writer.host}:${writer.port} is already running`);
  inProgress.add(writer.dataDir);
  try {
    return await withMysqlAdmin(writer, async (connection) => {
      if ((await slaveStatus(connection)) || Number(await queryValue(connection, 'SELECT @@GLOBAL.read_only')) === 1) {
        throw new MysqlRewindError(`${writer.host}:${writer.port} is a replica: rewind the writer, replicas follow it`);
      }
      // A first look, before disturbing anyone: refuse early (target outside the logs, DDL in the way).
      refuseStatements(writer, await planRewind(connection, target), options);
      const previousInitConnect = String((await queryValue(connection, 'SELECT @@GLOBAL.init_connect')) ?? '');
      await connection.query('SET GLOBAL init_connect = ?', [HOLD_OFF_CLIENTS]);
      try {
        const connectionsDropped = await dropClientConnections(connection, options.drainTimeoutMs ?? 30_000);
        // The final plan: nothing can commit any more, apart from the emulator's own admin sessions.
        const plan = await planRewind(connection, target);
        refuseStatements(writer, plan, options);
        const base = {
          target: plan.target,
          transactions: plan.transactions.length,
          firstRevertedGtid: plan.transactions[0]?.gtid ?? null,
          lastRevertedGtid: plan.transactions.at(-1)?.gtid ?? null,
          rowEvents: plan.transactions.reduce((sum, t) => sum + t.rowEvents, 0),
          binlogFiles: plan.files,
          connectionsDropped,
        };
        const statements = plan.transactions.flatMap((t) => t.statements);
        if (plan.transactions.length === 0) {
          return { ...base, changeRecords: 0, statementsNotReverted: [], durationMs: Date.now() - started };
        }
        const changeRecords = await applyFlashback(env, writer, plan, options.timeoutMs ?? 30 * 60_000);
        return { ...base, changeRecords, statementsNotReverted: statements, durationMs: Date.now() - started };
      } finally {
        await connection.query('SET GLOBAL init_connect = ?', [previousInitConnect]);
      }
    });
  } finally {
    inProgress.delete(writer.dataDir);
  }
}

function refuseStatements(writer: MysqlInstance, plan: RewindPlan, options: MysqlRewindOptions): void {
  if (options.ignoreStatements) return;
  const blocking = plan.transactions.flatMap((t) => t.statements).filter((statement) => !HARMLESS_STATEMENT.test(statement));
  if (blocking.length === 0) return;
  throw new MysqlRewindStatementsError(
    `Cannot rewind ${writer.host}:${writer.port}: ${blocking.length} statement(s) after the target cannot be reverted by ` +
      `binary-log flashback (only row changes can): ${blocking.slice(0, 5).map((s) => JSON.stringify(s.slice(0, 200))).join('; ')}` +
      (blocking.length > 5 ? ' …' : ''),
  );
}

export interface MysqlRewindWindow {
  /** The earliest time a Date rewind accepts: when the oldest binary-log file was started. */
  earliest: Date;
  /** GTID state at that point. */
  earliestGtidPosition: string;
  /** Current position. */
  latestGtidPosition: string;
  binlogFiles: string[];
}

/** How far back `writer` can be rewound: its binary logs go back to the cluster's creation, or to when it became a server (a promoted replica). */
export async function mysqlRewindWindow(writer: MysqlInstance): Promise<MysqlRewindWindow> {
  return withMysqlAdmin(writer, async (connection) => {
    const { dir, files } = await binlogFiles(connection);
    const head = await readBinlogHead(path.join(dir, files[0]!));
    return {
      earliest: new Date(head.startTime * 1000),
      earliestGtidPosition: formatGtidList(head.gtidList),
      latestGtidPosition: String(await queryValue(connection, 'SELECT @@GLOBAL.gtid_binlog_pos')),
      binlogFiles: files,
    };
  });
}

interface RewindPlan {
  target: Date | string;
  /** Directory of the binary logs. */
  dir: string;
  /** Files from the one holding the first reverted transaction to the one holding the last. */
  files: string[];
  transactions: BinlogTransaction[];
}

async function planRewind(connection: MysqlConnection, target: MysqlRewindTarget): Promise<RewindPlan> {
  const { dir, files } = await binlogFiles(connection);
  const heads = await Promise.all(files.map((file) => readBinlogHead(path.join(dir, file))));

  let first: number;
  let after: (t: BinlogTransaction) => boolean;
  let shownTarget: Date | string;
  if (target instanceof Date) {
    const second = Math.floor(target.getTime() / 1000);
    if (!Number.isFinite(second)) throw new MysqlRewindError('Invalid rewind time');
    shownTarget = new Date(second * 1000);
    if (second < heads[0]!.startTime) {
      throw new MysqlRewindError(
        `Cannot rewind to ${shownTarget.toISOString()}: the binary logs start at ${new Date(heads[0]!.startTime * 1000).toISOString()} ` +
          `(the earliest time this server can be rewound to)`,
      );
    }
    // Files started strictly before the target second hold nothing committed at or after it
    // … except the last of them: start from there.
    first = Math.max(0, findLastIndex(heads, (head) => head.startTime < second));
    after = (t) => t.commitTime >= second;
  } else {
    const position = parseGtidList(target.gtidPosition);
    shownTarget = target.gtidPosition;
    const startsWithin = (head: (typeof heads)[number]) => [...head.gtidList].every(([domain, { seq }]) => seq <= (position.get(domain)?.seq ?? 0));
    if (!startsWithin(heads[0]!)) {
      throw new MysqlRewindError(
        `Cannot rewind to ${target.gtidPosition}: the binary logs start at ${formatGtidList(heads[0]!.gtidList)}, after that position`,
      );
    }
    first = Math.max(0, findLastIndex(heads, startsWithin));
    after = (t) => t.seq > (position.get(t.domain)?.seq ?? 0);
  }

  // Everything from the first transaction past the target to the end of the log, in log order.
  const transactions: BinlogTransaction[] = [];
  for (const file of files.slice(first)) {
    const summary = await readBinlogFile(path.join(dir, file));
    for (const transaction of summary.transactions) {
      if (transactions.length > 0 || after(transaction)) transactions.push(transaction);
    }
  }
  const used = transactions.length ? files.slice(files.indexOf(transactions[0]!.file), files.indexOf(transactions.at(-1)!.file) + 1) : [];
  return { target: shownTarget, dir, files: used, transactions };
}

/** Generates the inverse of the planned transactions, counts its rows, applies it; returns the row count. */
async function applyFlashback(env: MysqlEnvironment, writer: MysqlInstance, plan: RewindPlan, timeoutMs: number): Promise<number> {
  const first = plan.transactions[0]!;
  const last = plan.transactions.at(-1)!;
  return withScratchDir(env, async (scratch) => {
    const sqlFile = path.join(scratch, 'flashback.sql');
    await runMysqlTool(
      env.binaries.binlog,
      [
        '--no-defaults',
        '--flashback',
        // Also prints each row as "### INSERT INTO/UPDATE/DELETE FROM" comments: that is how rows are counted.
        '--verbose',
        // Offsets apply to the first and to the last file given.
        `--start-position=${first.startPosition}`,
        `--stop-position=${last.endPosition}`,
        ...plan.files.map((file) => path.join(plan.dir, file)),
      ],
      // Run as ourselves: we can read the binary logs (as their owner, or as root).
      { runAs: null, cwd: scratch, stdoutFile: sqlFile, timeoutMs },
    );
    const rows = await countRowImages(sqlFile);
    const oneTransaction = path.join(scratch, 'flashback-one-transaction.sql');
    await mergeIntoOneTransaction(sqlFile, oneTransaction);
    const options = await writeClientOptionFile(path.join(scratch, 'client.cnf'), writer, null);
    await runMysqlTool(env.binaries.client, [`--defaults-file=${options}`, '--batch', '--binary-mode'], {
      runAs: null,
      cwd: scratch,
      stdinFile: oneTransaction,
      timeoutMs,
    });
    return rows;
  });
}

/**
 * The inverse transactions as one: the rewind is all or nothing (a failure half-way reverts
 * nothing), and it commits once, so it waits for the storage quorum once rather than once per
 * transaction reverted (10,000 single-row transactions: 1.2 s instead of 3.8 s without the
 * quorum's wait, 15 s with it). mariadb-binlog writes each transaction as
 * `START TRANSACTION/*!*\/;` … `COMMIT` then `/*!*\/;`, and a `ROLLBACK/*!*\/;` before each
 * file's format description (which would end ours).
 */
async function mergeIntoOneTransaction(sqlFile: string, target: string): Promise<void> {
  const out = createWriteStream(target, { encoding: 'utf8' });
  const lines = createInterface({ input: createReadStream(sqlFile, 'utf8'), crlfDelay: Infinity });
  let open = false; // our transaction is open
  let commitPending = false; // a COMMIT line, whose delimiter line follows
  // Waits only when the stream's buffer is full: a wait per line made this the slowest step.
  const write = async (line: string) => {
    if (!out.write(line + '\n')) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  };
  for await (const line of lines) {
    if (commitPending) {
      commitPending = false;
      if (line === '/*!*/;') continue; // the end of one inverse transaction: ours goes on
      await write('COMMIT'); // not the pair we expected: keep it as it was
    }
    if (line === 'START TRANSACTION/*!*/;') {
      if (!open) await write(line);
      open = true;
      continue;
    }
    if (open && line === 'COMMIT') {
      commitPending = true;
      continue;
    }
    if (open && line === 'ROLLBACK/*!*/;') continue;
    if (open && line === 'DELIMITER ;') {
      await write('COMMIT/*!*/;');
      open = false;
    }
    await write(line);
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

async function countRowImages(sqlFile: string): Promise<number> {
  let rows = 0;
  const lines = createInterface({ input: createReadStream(sqlFile, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.startsWith('### ') && /^### (INSERT INTO|UPDATE|DELETE FROM) /.test(line)) rows += 1;
  }
  return rows;
}

/**
 * Kills every client connection except ours, replication (binlog dump) threads
 * and the server's own threads, then waits until they are gone (their open
 * transactions rolled back). Returns how many were killed.
 */
async function dropClientConnections(connection: MysqlConnection, timeoutMs: number): Promise<number> {
  const victims = await queryRows<{ id: number }>(
    connection,
    `SELECT ID AS id FROM information_schema.PROCESSLIST
      WHERE ID <> CONNECTION_ID()
        AND USER NOT IN ('system user', 'event_scheduler')
        AND COMMAND NOT IN ('Daemon', 'Slave_IO', 'Slave_SQL', 'Slave_worker')
        AND COMMAND NOT LIKE 'Binlog Dump%'`,
  );
  const ids = victims.map((row) => Number(row.id));
  for (const id of ids) await connection.query(`KILL CONNECTION ${id}`).catch(() => {}); // already gone: fine
  const deadline = Date.now() + timeoutMs;
  while (ids.length > 0) {
    const remaining = await queryRows(connection, `SELECT ID FROM information_schema.PROCESSLIST WHERE ID IN (${ids.join(',')})`);
    if (remaining.length === 0) break;
    if (Date.now() > deadline) throw new MysqlRewindError(`${remaining.length} client connection(s) did not end within ${timeoutMs} ms (rolling back?)`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return ids.length;
}

async function binlogFiles(connection: MysqlConnection): Promise<{ dir: string; files: string[] }> {
  const basename = String((await queryValue(connection, 'SELECT @@GLOBAL.log_bin_basename')) ?? '');
  if (!basename) throw new MysqlRewindError('The binary log is off on this server: it cannot be rewound');
  const files = (await queryRows<{ Log_name: string }>(connection, 'SHOW BINARY LOGS')).map((row) => row.Log_name);
  if (files.length === 0) throw new MysqlRewindError('This server has no binary logs');
  return { dir: path.dirname(basename), files };
}

function findLastIndex<T>(items: T[], predicate: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (predicate(items[i]!)) return i;
  return -1;
}
