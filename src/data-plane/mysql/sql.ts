/**
 * Short-lived admin connections (mysql2) for the statements cluster operations
 * run: one connection per operation, nothing to go stale across crashes and
 * failovers.
 */
import mysql from 'mysql2/promise';
import type { MysqlAdminCredentials } from './settings.js';

export interface MysqlAdminTarget {
  host: string;
  port: number;
  admin: MysqlAdminCredentials;
}

export type MysqlConnection = mysql.Connection;
export type Row = Record<string, unknown>;

export async function withMysqlAdmin<T>(
  target: MysqlAdminTarget | { socketPath: string; user: string; password: string },
  work: (connection: mysql.Connection) => Promise<T>,
): Promise<T> {
  const login =
    'socketPath' in target
      ? { socketPath: target.socketPath, user: target.user, password: target.password }
      : { host: target.host, port: target.port, user: target.admin.user, password: target.admin.password };
  const connection = await mysql.createConnection({
    ...login,
    connectTimeout: 10_000,
    multipleStatements: false,
    // Numbers stay numbers (server ids, positions) without precision surprises for BIGINT.
    supportBigNumbers: true,
    bigNumberStrings: false,
    dateStrings: true,
  });
  // A server going away under the connection (crash tests) must not become an unhandled 'error' event.
  connection.on('error', () => {});
  try {
    return await work(connection);
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

/** Rows of a statement, as plain objects. */
export async function queryRows<T extends Row = Row>(connection: mysql.Connection, sql: string, values?: unknown[]): Promise<T[]> {
  const [rows] = await connection.query(sql, values);
  return rows as T[];
}

/** The first row's first column. */
export async function queryValue<T = unknown>(connection: mysql.Connection, sql: string, values?: unknown[]): Promise<T> {
  const [rows] = await connection.query({ sql, values, rowsAsArray: true });
  return ((rows as unknown[][])[0]?.[0] ?? null) as T;
}

/** `'user'@'host'` with both parts quoted as string literals. */
export function account(user: string, host: string): string {
  return `${mysql.escape(user)}@${mysql.escape(host)}`;
}

export const quoteIdentifier = (name: string) => mysql.escapeId(name, true);
export const quoteString = (value: string) => mysql.escape(value);

/** MariaDB's error number on a mysql2 error, if any. */
export function errorNumber(error: unknown): number | undefined {
  return (error as { errno?: number }).errno;
}
