/**
 * Short-lived admin connections to one server, for the few statements cluster
 * operations run. A connection per operation keeps no state to go stale across
 * crashes and failovers; it costs a few milliseconds (TCP + SCRAM).
 */
import pg from 'pg';
import type { AdminCredentials } from './configFiles.js';

export interface AdminTarget {
  host: string;
  port: number;
  admin: AdminCredentials;
}

export async function withAdminClient<T>(target: AdminTarget, work: (client: pg.Client) => Promise<T>, database = 'postgres'): Promise<T> {
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    user: target.admin.user,
    password: target.admin.password,
    database,
    ssl: false, // explicit, so a developer's PGSSLMODE cannot change it
    connectionTimeoutMillis: 10_000,
    application_name: 'aurora-local',
  });
  // Without a listener, a server going away under the connection (every crash
  // test does that) raises an 'error' event that kills the Node process.
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Runs statements that carry a secret (passwords, conninfo) so that the server
 * never writes them to its log: neither as a logged statement nor as the
 * "STATEMENT:" line that follows an error.
 */
export async function runWithSecrets(client: pg.Client, statements: string[]): Promise<void> {
  await client.query(`SET log_statement = 'none'; SET log_min_error_statement = 'panic'`);
  for (const statement of statements) await client.query(statement);
}

export const quoteIdentifier = (name: string) => pg.escapeIdentifier(name);
export const quoteLiteral = (value: string) => pg.escapeLiteral(value);
