import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inject, describe, expect, it, beforeAll, afterAll } from 'vitest';
import pg from 'pg';
import { createDatabase, listMigrations, migrate } from '../../src/store/migrate.ts';

/**
 * Migrations are hand-written SQL (Prisma's schema engine cannot be downloaded here), so this
 * guards against drift: the migrated database must have exactly the tables, columns, types,
 * nullability and indexes that prisma/schema.prisma declares — and record its migrations in
 * _prisma_migrations as `prisma migrate deploy` would.
 */

interface Field {
  name: string;
  column: string;
  type: string;
  list: boolean;
  optional: boolean;
  isRelation: boolean;
}
interface Model {
  table: string;
  fields: Field[];
  /** `where`: a partial index's predicate as Postgres prints it, declared by a `/// partial:` line. */
  indexes: { name: string; columns: string[]; unique: boolean; where?: string }[];
}

const SCALARS = new Set([
  'String',
  'Int',
  'Boolean',
  'DateTime',
  'Json',
  'BigInt',
  'Float',
  'Decimal',
  'Bytes',
]);
const PG_TYPE: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  Boolean: 'boolean',
  DateTime: 'timestamp with time zone',
  Json: 'jsonb',
  BigInt: 'bigint',
};

/** A small reader of the parts of schema.prisma that map to DDL. */
function readSchema(text: string): Model[] {
  const models: Model[] = [];
  for (const [, body] of text.matchAll(/^model \w+ \{\n([\s\S]*?)^\}/gm)) {
    const lines = body
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && (!l.startsWith('//') || l.startsWith('/// partial:')));
    const table = /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? '';
    const fields: Field[] = [];
    for (const line of lines.filter((l) => !l.startsWith('@@'))) {
      const m = /^(\w+)\s+(\w+)(\[\])?(\?)?(.*)$/.exec(line);
      if (!m) continue;
      const [, name, type, list, optional, rest] = m;
      fields.push({
        name,
        column: /@map\("([^"]+)"\)/.exec(rest)?.[1] ?? name,
        type,
        list: Boolean(list),
        optional: Boolean(optional),
        isRelation: !SCALARS.has(type),
      });
    }
    const columnOf = (name: string) => fields.find((f) => f.name === name)?.column ?? name;
    const indexes: Model['indexes'] = [];
    const partial = (line: string) => {
      const above = lines[lines.indexOf(line) - 1] ?? '';
      return /^\/\/\/ partial: (.*)$/.exec(above)?.[1];
    };
    for (const line of lines.filter((l) => l.startsWith('@@index') || l.startsWith('@@unique'))) {
      const cols = /\[([^\]]+)\]/
        .exec(line)![1]
        .split(',')
        .map((c) => columnOf(c.trim().replace(/\(.*\)$/, '')));
      const name =
        /map: "([^"]+)"/.exec(line)?.[1] ??
        `${table}_${cols.join('_')}_${line.startsWith('@@unique') ? 'key' : 'idx'}`;
      indexes.push({
        name,
        columns: cols,
        unique: line.startsWith('@@unique'),
        where: partial(line),
      });
    }
    for (const line of lines.filter((l) => /^\w+\s+\w+.*@unique/.test(l))) {
      const column = columnOf(line.split(/\s+/)[0]);
      indexes.push({ name: `${table}_${column}_key`, columns: [column], unique: true });
    }
    indexes.push({ name: `${table}_pkey`, columns: [], unique: true });
    models.push({ table, fields: fields.filter((f) => !f.isRelation), indexes });
  }
  return models;
}

describe('migrations', () => {
  let client: pg.Client;
  const models = readSchema(
    readFileSync(new URL('../../prisma/schema.prisma', import.meta.url), 'utf8'),
  );

  let databaseUrl: string;

  // A brand-new empty database, migrated here by the same function `npm run db:migrate` runs.
  beforeAll(async () => {
    databaseUrl = `${inject('databaseUrl')}_migrations`;
    await createDatabase(databaseUrl);
    expect(await migrate(databaseUrl)).toEqual((await listMigrations()).map((m) => m.name));
    client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
  });
  afterAll(() => client.end());

  it('reads every model of the schema', () => {
    expect(models.map((m) => m.table).sort()).toEqual(
      [
        'accounts',
        'api_keys',
        'attempts',
        'auth_tokens',
        'deliveries',
        'event_keys',
        'events',
        'replay_deliveries',
        'replays',
        'webhooks',
      ].sort(),
    );
  });

  it('creates exactly the columns, types and nullability the schema declares', async () => {
    const { rows } = await client.query<{
      table_name: string;
      column_name: string;
      data_type: string;
      udt_name: string;
      is_nullable: string;
    }>(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
         AND table_name NOT IN (SELECT relname FROM pg_class WHERE relispartition)`,
    );
    const actual = rows
      .map(
        (r) =>
          `${r.table_name}.${r.column_name}: ${r.data_type === 'ARRAY' ? `${r.udt_name}[]` : r.data_type}${r.is_nullable === 'YES' ? '?' : ''}`,
      )
      .sort();
    const arrayUdt: Record<string, string> = { String: '_text', DateTime: '_timestamptz' };
    const expected = models
      .flatMap((m) =>
        m.fields.map((f) => {
          // Prisma creates list columns without NOT NULL.
          const type = f.list ? `${arrayUdt[f.type]}[]` : PG_TYPE[f.type];
          return `${m.table}.${f.column}: ${type}${f.optional || f.list ? '?' : ''}`;
        }),
      )
      .sort();
    expect(actual).toEqual(expected);
  });

  it('creates exactly the indexes the schema declares, on the declared columns', async () => {
    const { rows } = await client.query<{ tablename: string; indexname: string; indexdef: string }>(
      // A partition's indexes are its table's, made for it: the partitioned table's are compared.
      `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'
         AND tablename NOT IN (SELECT relname FROM pg_class WHERE relispartition)`,
    );
    expect(rows.map((r) => r.indexname).sort()).toEqual(
      models.flatMap((m) => m.indexes.map((i) => i.name)).sort(),
    );
    for (const model of models) {
      for (const index of model.indexes.filter((i) => i.columns.length > 0)) {
        const [def, where] = rows
          .find((r) => r.indexname === index.name)!
          .indexdef.split(' WHERE ');
        expect(where, `${index.name}: the predicate of its "/// partial:" line`).toBe(index.where);
        const columns = /\((.*)\)$/
          .exec(def)![1]
          .split(',')
          .map((c) => c.trim().replace(/"/g, '').split(' ')[0]);
        expect(columns, index.name).toEqual(index.columns);
        expect(def.startsWith('CREATE UNIQUE'), index.name).toBe(index.unique);
      }
    }
  });

  it('records each migration in _prisma_migrations with the SHA-256 of its file, as Prisma does', async () => {
    const files = await listMigrations();
    const { rows } = await client.query(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((f) => f.name));
    for (const [i, file] of files.entries()) {
      expect(rows[i].checksum).toBe(createHash('sha256').update(file.sql).digest('hex'));
      expect(rows[i].finished_at).not.toBeNull();
      expect(rows[i].applied_steps_count).toBe(1);
    }
  });

  it('is idempotent: a second run applies nothing', async () => {
    expect(await migrate(databaseUrl)).toEqual([]);
  });
});
