/**
 * Errors the compute layer raises. Callers (the control plane) map them to API
 * errors; each carries enough text to explain the failure without a debugger.
 */

/** PostgreSQL cannot run here at all: binaries missing, unusable, or not reachable by the server user. */
export class DataPlaneUnavailableError extends Error {
  override readonly name = 'DataPlaneUnavailableError';
}

/** A postgres server process did not come up (it exited, or never accepted connections in time). */
export class PostgresStartError extends Error {
  override readonly name = 'PostgresStartError';
  constructor(
    message: string,
    /** The last lines the server wrote to its log during this start attempt. */
    readonly logTail: string,
  ) {
    super(logTail ? `${message}\n--- server log (tail) ---\n${logTail}` : message);
  }
}

/** A PostgreSQL command-line tool (initdb, pg_basebackup, pg_rewind …) failed. */
export class PostgresCommandError extends Error {
  override readonly name = 'PostgresCommandError';
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(`${command} failed (exit ${exitCode ?? 'by signal'}): ${output.trim().slice(-2000)}`);
  }
}
