/**
 * Errors of the MariaDB compute layer. DataPlaneUnavailableError is the same
 * class the PostgreSQL layer throws, so the control plane maps "this machine
 * cannot run the engine" the same way for both engines.
 */
export { DataPlaneUnavailableError } from '../compute/errors.js';

/** A mariadbd process did not come up (it exited, or never accepted connections in time). */
export class MysqlStartError extends Error {
  override readonly name = 'MysqlStartError';
  constructor(
    message: string,
    /** The last lines the server wrote to its log during this start attempt. */
    readonly logTail: string,
  ) {
    super(logTail ? `${message}\n--- server log (tail) ---\n${logTail}` : message);
  }
}

/** A MariaDB command-line tool (mariadb-install-db, mariadb-backup, mariadb-binlog, mariadb) failed. */
export class MysqlCommandError extends Error {
  override readonly name = 'MysqlCommandError';
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(`${command} failed (exit ${exitCode ?? 'by signal'}): ${output.trim().slice(-2000)}`);
  }
}

/** Replication did not reach the expected state (not running, an I/O or SQL thread error, not caught up in time). */
export class MysqlReplicationError extends Error {
  override readonly name = 'MysqlReplicationError';
}

/** A rewind (Backtrack) was refused before anything changed: target outside the binary logs, DDL to undo, not a writer … */
export class MysqlRewindError extends Error {
  override readonly name: string = 'MysqlRewindError';
}

/** Flashback cannot revert statements (DDL) logged after the target: a rebuild from the volume can. */
export class MysqlRewindStatementsError extends MysqlRewindError {
  override readonly name = 'MysqlRewindStatementsError';
}
