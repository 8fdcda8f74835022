/** Empties a Postgres database of its own the blunt way: dropped (its sessions closed) and created again. */
import { Client } from 'pg';

/**
 * Drops the database `name` on the server `connectionUrl` names, closing whatever sessions still use it,
 * and creates it empty; returns `connectionUrl` pointed at it. The statements run over a connection to
 * `connectionUrl`'s own database, which therefore must not be `name`. `name` is written into the SQL as
 * it is: callers pass fixed names of their own.
 */
export async function recreateDatabase(connectionUrl: string, name: string): Promise<string> {
  const admin = new Client({ connectionString: connectionUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(connectionUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
