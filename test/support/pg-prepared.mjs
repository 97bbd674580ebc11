// Runs one named prepared statement twice with node-pg (the second Execute sends no SQL).
import pg from 'pg';

const client = new pg.Client();
await client.connect();
for (const v of [1, 2]) {
  const r = await client.query({ name: 'add-forty', text: 'SELECT $1::int + 40 AS x', values: [v] });
  if (r.rows[0].x !== v + 40) throw new Error(`unexpected row ${JSON.stringify(r.rows)}`);
}
await client.end();
