// Prepares one statement with mysql2 and executes it twice (executions carry only the id).
import mysql from 'mysql2/promise';

const port = Number(process.argv[2]);
const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
for (const v of [1, 2]) {
  const [rows] = await connection.execute('SELECT ? + 1 AS x', [v]);
  if (Number(rows[0].x) !== v + 1) throw new Error(`unexpected rows ${JSON.stringify(rows)}`);
}
await connection.end();
