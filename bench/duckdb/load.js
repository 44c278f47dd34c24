// bench/duckdb/load.js: one timed DuckDB statement on a database file, for
// bench/run.sh's DuckDB peers.
//
// Usage: node load.js DB_FILE TABLE SQL
//
// Opens (or creates) DB_FILE, runs SQL, then CHECKPOINT, so the rows are in the
// database file itself and not only in its WAL when the clock stops (as
// sqlite3's .import has committed when it exits). Prints one line,
// "<seconds> <rows>": the seconds from before the open to after the
// checkpoint (node's own start-up and the loading of DuckDB's binding are not
// in it), and count(*) of TABLE afterwards (not timed). DuckDB runs with its
// defaults: one thread per core, a memory limit of 80% of RAM.
// Exits 1 with the error on stderr if any step fails.
'use strict';
const { DuckDBInstance } = require('@duckdb/node-api');

async function main() {
  const [dbFile, table, sql] = process.argv.slice(2);
  if (!dbFile || !table || !sql) {
    throw new Error('usage: node load.js DB_FILE TABLE SQL');
  }
  const t0 = process.hrtime.bigint();
  const instance = await DuckDBInstance.create(dbFile);
  const connection = await instance.connect();
  await connection.run(sql);
  await connection.run('CHECKPOINT');
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const reader = await connection.runAndReadAll(`SELECT count(*) FROM ${table}`);
  const rows = reader.getRows()[0][0];
  connection.closeSync();
  instance.closeSync();
  console.log(`${seconds.toFixed(3)} ${rows}`);
}

main().catch((err) => {
  console.error(`duckdb load: ${err.message}`);
  process.exit(1);
});
