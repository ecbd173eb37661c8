import { GuardConfigError } from '../../errors/guard-config-error.js';

/** Table names inside the store's schema. */
export interface PostgresTableNames {
  profiles: string;
  pending: string;
  intel: string;
  numberEvents: string;
  /** Protected accounts (added in 0.2; `migrate()` creates it on an existing schema). */
  protections: string;
  /** Rate-limit and replay counters (added with `protections`). */
  counters: string;
}

export interface PostgresSchemaOptions {
  /** Schema holding the tables and functions. Default `recycled_number_guard`. */
  schema?: string;
  tables?: Partial<PostgresTableNames>;
}

export const DEFAULT_SCHEMA = 'recycled_number_guard';
export const DEFAULT_TABLES: PostgresTableNames = {
  profiles: 'profiles',
  pending: 'pending',
  intel: 'intel',
  numberEvents: 'number_events',
  protections: 'protections',
  counters: 'counters',
};

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export interface ResolvedNames {
  schema: string;
  tables: PostgresTableNames;
  /** Quoted, schema-qualified table names, safe to put in SQL. */
  q: PostgresTableNames;
  /** Quoted schema name. */
  s: string;
}

/** Names go into SQL text (identifiers cannot be bound parameters), so only plain identifiers pass. */
export function resolveNames(options: PostgresSchemaOptions = {}): ResolvedNames {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  if (!IDENTIFIER.test(schema)) throw new GuardConfigError('postgresStore.schema', 'lower-case letters, digits and _ only, at most 63');
  const tables = { ...DEFAULT_TABLES, ...options.tables };
  for (const [role, name] of Object.entries(tables)) {
    if (typeof name !== 'string' || !IDENTIFIER.test(name))
      throw new GuardConfigError(`postgresStore.tables.${role}`, 'lower-case letters, digits and _ only, at most 63');
  }
  if (new Set(Object.values(tables)).size !== Object.keys(DEFAULT_TABLES).length)
    throw new GuardConfigError('postgresStore.tables', 'a different name for every table');
  const s = `"${schema}"`;
  const q = {
    profiles: `${s}."${tables.profiles}"`,
    pending: `${s}."${tables.pending}"`,
    intel: `${s}."${tables.intel}"`,
    numberEvents: `${s}."${tables.numberEvents}"`,
    protections: `${s}."${tables.protections}"`,
    counters: `${s}."${tables.counters}"`,
  };
  return { schema, tables, q, s };
}

/**
 * The schema: five tables with `expires_at` columns, the protected accounts, and the plpgsql merge. `postgresStore(...).migrate()`
 * runs it; a host with its own migration tool can copy `schemaSql({ schema, tables })` instead.
 * Every statement is idempotent. The database must use the UTF8 encoding.
 *
 * Expiry needs no cron: reads ignore expired rows (`expires_at > now()`), writes replace them, and one
 * write in 64 also deletes a bounded batch of expired rows in the same statement.
 */
export function schemaSql(options: PostgresSchemaOptions | string = {}): string {
  const { s, q, tables } = resolveNames(typeof options === 'string' ? { schema: options } : options);
  return `
CREATE SCHEMA IF NOT EXISTS ${s};

CREATE TABLE IF NOT EXISTS ${q.profiles} (
  account    text PRIMARY KEY,
  profile    jsonb NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS "${tables.profiles}_expires_at" ON ${q.profiles} (expires_at);

CREATE TABLE IF NOT EXISTS ${q.pending} (
  decision_id text PRIMARY KEY,
  body        jsonb NOT NULL,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS "${tables.pending}_expires_at" ON ${q.pending} (expires_at);

CREATE TABLE IF NOT EXISTS ${q.intel} (
  phone      text PRIMARY KEY,
  body       jsonb NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS "${tables.intel}_expires_at" ON ${q.intel} (expires_at);

CREATE TABLE IF NOT EXISTS ${q.numberEvents} (
  phone      text PRIMARY KEY,
  events     jsonb NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS "${tables.numberEvents}_expires_at" ON ${q.numberEvents} (expires_at);

-- Protected accounts never expire: dropping one would quietly turn SMS-alone logins back on.
CREATE TABLE IF NOT EXISTS ${q.protections} (
  account text PRIMARY KEY,
  body    jsonb NOT NULL
);

CREATE TABLE IF NOT EXISTS ${q.counters} (
  key        text PRIMARY KEY,
  count      bigint NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS "${tables.counters}_expires_at" ON ${q.counters} (expires_at);

-- A JSON number that JavaScript reads back as a finite double, else NULL. Never raises.
CREATE OR REPLACE FUNCTION ${s}.num(v jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN jsonb_typeof(v) = 'number' THEN CASE WHEN abs(v::numeric) <= 1e308 THEN v::numeric END END
$fn$;

-- A JSON array (or {}, which some JSON encoders write for an empty array), else NULL.
CREATE OR REPLACE FUNCTION ${s}.list(v jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN jsonb_typeof(v) = 'array' THEN v WHEN v = '{}'::jsonb THEN '[]'::jsonb END
$fn$;

-- Optional fields: absent, or of the type. JSON null is not absent (the reader rejects it too).
CREATE OR REPLACE FUNCTION ${s}.opt_type(v jsonb, t text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT v IS NULL OR jsonb_typeof(v) = t
$fn$;

CREATE OR REPLACE FUNCTION ${s}.opt_num(v jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT v IS NULL OR ${s}.num(v) IS NOT NULL
$fn$;

CREATE OR REPLACE FUNCTION ${s}.is_count(v jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT coalesce(${s}.num(v) >= 0 AND ${s}.num(v) = trunc(${s}.num(v)) AND ${s}.num(v) <= 9007199254740991, false)
$fn$;

-- The same rules as the reader's schema (src/persist/stored-json.ts): a profile the merge accepts
-- always reads back; one it rejects is replaced, so a corrupt row can never block writes. plpgsql
-- rather than SQL: plpgsql keeps its plans for the session, a SQL function with subqueries is
-- planned again on every call. No expression here can raise, so evaluation order does not matter.
CREATE OR REPLACE FUNCTION ${s}.valid_profile(p jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  e jsonb;
  c jsonb;
  last jsonb := p->'lastLogin';
BEGIN
  IF NOT coalesce(jsonb_typeof(p) = 'object' AND ${s}.num(p->'v') = 1 AND ${s}.opt_type(p->'phoneHash', 'string')
      AND ${s}.list(p->'devices') IS NOT NULL AND ${s}.list(p->'locations') IS NOT NULL AND ${s}.list(p->'failedStepUps') IS NOT NULL
      AND ${s}.opt_num(p->'ownerProofAt') AND ${s}.opt_num(p->'strongProofAt') AND ${s}.num(p->'updatedAt') IS NOT NULL, false) THEN
    RETURN false;
  END IF;
  IF last IS NOT NULL AND NOT coalesce(jsonb_typeof(last) = 'object' AND ${s}.num(last->'at') IS NOT NULL
      AND ${s}.opt_type(last->'country', 'string') AND ${s}.opt_type(last->'region', 'string')
      AND ${s}.opt_num(last->'lat') AND ${s}.opt_num(last->'lon') AND ${s}.opt_num(last->'accuracyKm'), false) THEN
    RETURN false;
  END IF;
  FOR e IN SELECT value FROM jsonb_array_elements(${s}.list(p->'devices')) LOOP
    IF NOT coalesce(jsonb_typeof(e) = 'object' AND jsonb_typeof(e->'key') = 'string' AND jsonb_typeof(e->'fromToken') = 'boolean'
        AND jsonb_typeof(e->'classKey') = 'string' AND ${s}.opt_type(e->'osFamily', 'string') AND jsonb_typeof(e->'deviceType') = 'string'
        AND ${s}.num(e->'firstSeen') IS NOT NULL AND ${s}.num(e->'lastSeen') IS NOT NULL AND jsonb_typeof(e->'vouched') = 'boolean'
        AND ${s}.is_count(e->'count'), false) THEN
      RETURN false;
    END IF;
  END LOOP;
  FOR e IN SELECT value FROM jsonb_array_elements(${s}.list(p->'locations')) LOOP
    IF NOT coalesce(jsonb_typeof(e) = 'object' AND jsonb_typeof(e->'key') = 'string' AND jsonb_typeof(e->'country') = 'string'
        AND ${s}.opt_type(e->'region', 'string') AND ${s}.opt_num(e->'lat') AND ${s}.opt_num(e->'lon')
        AND ${s}.num(e->'firstSeen') IS NOT NULL AND ${s}.num(e->'lastSeen') IS NOT NULL AND ${s}.is_count(e->'count'), false) THEN
      RETURN false;
    END IF;
  END LOOP;
  FOR e IN SELECT value FROM jsonb_array_elements(${s}.list(p->'failedStepUps')) LOOP
    IF NOT coalesce(jsonb_typeof(e) = 'object' AND ${s}.num(e->'at') IS NOT NULL AND ${s}.list(e->'checks') IS NOT NULL, false) THEN
      RETURN false;
    END IF;
    FOR c IN SELECT value FROM jsonb_array_elements(${s}.list(e->'checks')) LOOP
      IF jsonb_typeof(c) <> 'string' THEN RETURN false; END IF;
    END LOOP;
  END LOOP;
  RETURN true;
END
$fn$;

-- One UTF-16 code unit as three bytes (CESU-8).
CREATE OR REPLACE FUNCTION ${s}.cesu_unit(u integer) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
  SELECT decode(lpad(to_hex(((224 | (u >> 12)) << 16) | ((128 | ((u >> 6) & 63)) << 8) | (128 | (u & 63))), 6, '0'), 'hex')
$fn$;

-- A sort key in JavaScript's string order (UTF-16 code units), whatever the database collation.
-- UTF-8 bytes already sort that way unless a character above U+FFFF is present (bound_list uses
-- convert_to() then, without calling this); CESU-8 (surrogate pairs as two 3-byte units) always does.
CREATE OR REPLACE FUNCTION ${s}.js_order(k text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE
  out bytea := ''::bytea;
  c text;
  cp integer;
BEGIN
  FOREACH c IN ARRAY string_to_array(k, NULL) LOOP
    cp := ascii(c);
    IF cp < 65536 THEN
      out := out || convert_to(c, 'UTF8');
    ELSE
      out := out || ${s}.cesu_unit(55296 + ((cp - 65536) >> 10)) || ${s}.cesu_unit(56320 + ((cp - 65536) & 1023));
    END IF;
  END LOOP;
  RETURN out;
END
$fn$;

-- Upsert one device or place by key; the same rules as upsert() in src/persist/merge-profile.ts.
CREATE OR REPLACE FUNCTION ${s}.upsert_item(list jsonb, item jsonb, at numeric, kind text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  old jsonb;
  rec jsonb;
  first_seen numeric;
  last_seen numeric;
  cnt numeric;
  lat jsonb;
  lon jsonb;
  result jsonb;
BEGIN
  SELECT e INTO old FROM jsonb_array_elements(list) e WHERE e->>'key' = item->>'key' LIMIT 1;
  IF old IS NULL THEN
    first_seen := at; last_seen := at; cnt := 1;
  ELSE
    first_seen := least((old->>'firstSeen')::numeric, at);
    last_seen := greatest((old->>'lastSeen')::numeric, at);
    cnt := (old->>'count')::numeric + 1;
  END IF;
  IF kind = 'device' THEN
    rec := jsonb_build_object('key', item->'key', 'fromToken', item->'fromToken', 'classKey', item->'classKey',
      'deviceType', item->'deviceType', 'firstSeen', first_seen, 'lastSeen', last_seen,
      'vouched', coalesce((item->>'vouched')::boolean, false) OR coalesce((old->>'vouched')::boolean, false), 'count', cnt);
    IF coalesce(item->'osFamily', old->'osFamily') IS NOT NULL THEN
      rec := rec || jsonb_build_object('osFamily', coalesce(item->'osFamily', old->'osFamily'));
    END IF;
  ELSE
    rec := jsonb_build_object('key', item->'key', 'country', item->'country', 'firstSeen', first_seen, 'lastSeen', last_seen, 'count', cnt);
    IF coalesce(item->'region', old->'region') IS NOT NULL THEN
      rec := rec || jsonb_build_object('region', coalesce(item->'region', old->'region'));
    END IF;
    lat := coalesce(item->'lat', old->'lat');
    lon := coalesce(item->'lon', old->'lon');
    IF lat IS NOT NULL AND lon IS NOT NULL THEN
      rec := rec || jsonb_build_object('lat', lat, 'lon', lon);
    END IF;
  END IF;
  IF old IS NULL THEN
    RETURN list || jsonb_build_array(rec);
  END IF;
  SELECT jsonb_agg(CASE WHEN e->>'key' = item->>'key' THEN rec ELSE e END ORDER BY ord)
    INTO result FROM jsonb_array_elements(list) WITH ORDINALITY AS t(e, ord);
  RETURN result;
END
$fn$;

-- Keep what is inside the retention window: vouched devices first, newest first, then by key in
-- JavaScript's order; at most maxn.
CREATE OR REPLACE FUNCTION ${s}.bound_list(list jsonb, horizon numeric, maxn integer, vouched_first boolean) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
BEGIN
  RETURN (SELECT coalesce(jsonb_agg(e ORDER BY r, ls DESC, o), '[]'::jsonb) FROM (
    SELECT e, CASE WHEN vouched_first AND (e->>'vouched')::boolean THEN 0 ELSE 1 END AS r,
           (e->>'lastSeen')::numeric AS ls,
           CASE WHEN e->>'key' ~ '[\\U00010000-\\U0010FFFF]' THEN ${s}.js_order(e->>'key') ELSE convert_to(e->>'key', 'UTF8') END AS o
    FROM jsonb_array_elements(list) e
    WHERE (e->>'lastSeen')::numeric >= horizon
    ORDER BY r, ls DESC, o
    LIMIT maxn
  ) kept);
END
$fn$;

-- The profile merge: the same semantics as mergeProfile() in src/persist/merge-profile.ts. Numbers stay
-- numeric (exact decimal), so what JavaScript wrote reads back as the same double.
CREATE OR REPLACE FUNCTION ${s}.merge_profile(cur jsonb, patch jsonb, lim jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  -- Detoast once: the stored row arrives compressed, and every p->'field' would decompress it again.
  p jsonb := cur || '{}'::jsonb;
  at numeric := (patch->>'at')::numeric;
  updated numeric;
  now_ numeric;
  horizon numeric;
  same boolean;
  newer boolean;
  devices jsonb;
  locations jsonb;
  failed jsonb;
  owner numeric;
  strong numeric;
  last jsonb;
  result jsonb;
BEGIN
  -- A corrupt profile is replaced, not merged into: reads already report it as unavailable.
  IF p IS NULL OR NOT ${s}.valid_profile(p) THEN
    p := jsonb_build_object('v', 1, 'devices', '[]'::jsonb, 'locations', '[]'::jsonb, 'failedStepUps', '[]'::jsonb, 'updatedAt', at);
  END IF;
  updated := (p->>'updatedAt')::numeric;
  now_ := greatest(updated, at);
  horizon := now_ - (lim->>'retentionMs')::numeric;
  same := p->'phoneHash' IS NULL OR p->>'phoneHash' = patch->>'phoneHash'
          OR coalesce(jsonb_typeof(patch->'phoneHashAliases') = 'array' AND (patch->'phoneHashAliases') ? (p->>'phoneHash'), false);
  newer := NOT same AND at >= updated;

  devices := ${s}.list(p->'devices');
  IF jsonb_typeof(patch->'device') = 'object' THEN
    devices := ${s}.upsert_item(devices, patch->'device', at, 'device');
  END IF;
  locations := ${s}.list(p->'locations');
  IF jsonb_typeof(patch->'location') = 'object' THEN
    locations := ${s}.upsert_item(locations, patch->'location', at, 'location');
  END IF;

  owner := CASE WHEN newer THEN NULL ELSE (p->>'ownerProofAt')::numeric END;
  IF patch ? 'ownerProofAt' AND (same OR newer) THEN
    owner := greatest(owner, (patch->>'ownerProofAt')::numeric);
  END IF;
  strong := greatest((p->>'strongProofAt')::numeric, (patch->>'strongProofAt')::numeric);

  last := p->'lastLogin';
  IF jsonb_typeof(patch->'lastLogin') = 'object' AND (last IS NULL OR (patch->'lastLogin'->>'at')::numeric >= (last->>'at')::numeric) THEN
    last := patch->'lastLogin';
  END IF;

  -- Newest first; equal times keep their order (JavaScript's sort is stable), the new entry last.
  failed := ${s}.list(p->'failedStepUps');
  IF jsonb_typeof(patch->'failedStepUp') = 'object' THEN
    failed := failed || jsonb_build_array(patch->'failedStepUp');
  END IF;
  SELECT coalesce(jsonb_agg(e ORDER BY a DESC, ord), '[]'::jsonb) INTO failed FROM (
    SELECT e, (e->>'at')::numeric AS a, ord FROM jsonb_array_elements(failed) WITH ORDINALITY AS t(e, ord)
    WHERE (e->>'at')::numeric >= horizon ORDER BY a DESC, ord LIMIT (lim->>'maxFailedStepUps')::integer
  ) kept;

  result := jsonb_build_object('v', 1,
    'devices', ${s}.bound_list(devices, horizon, (lim->>'maxDevices')::integer, true),
    'locations', ${s}.bound_list(locations, horizon, (lim->>'maxLocations')::integer, false),
    'failedStepUps', failed, 'updatedAt', now_);
  IF same OR newer THEN
    result := result || jsonb_build_object('phoneHash', patch->'phoneHash');
  ELSIF p->'phoneHash' IS NOT NULL THEN
    result := result || jsonb_build_object('phoneHash', p->'phoneHash');
  END IF;
  IF last IS NOT NULL THEN result := result || jsonb_build_object('lastLogin', last); END IF;
  IF owner IS NOT NULL AND owner >= horizon THEN result := result || jsonb_build_object('ownerProofAt', owner); END IF;
  IF strong IS NOT NULL THEN result := result || jsonb_build_object('strongProofAt', strong); END IF;
  RETURN result;
END
$fn$;

-- Ingested events: deduplicated by type and time (the stored one wins), newest first with ties in
-- arrival order (as the memory store), bounded. Entries that fail validation are dropped.
CREATE OR REPLACE FUNCTION ${s}.merge_events(cur jsonb, added jsonb, maxn integer) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
BEGIN
  RETURN (SELECT coalesce(jsonb_agg(e ORDER BY a DESC, ord), '[]'::jsonb) FROM (
    SELECT e, a, ord FROM (
      SELECT DISTINCT ON (ty, a) e, ty, a, ord FROM (
        SELECT e, e->>'type' AS ty, ${s}.num(e->'at') AS a, ord
        FROM jsonb_array_elements(coalesce(${s}.list(cur), '[]'::jsonb) || coalesce(${s}.list(added), '[]'::jsonb)) WITH ORDINALITY AS t(e, ord)
        WHERE jsonb_typeof(e) = 'object'
      ) candidates
      WHERE ty IN ('disconnected', 'reissued', 'ported', 'sim_change') AND a IS NOT NULL AND jsonb_typeof(e->'source') = 'string'
      ORDER BY ty, a, ord
    ) distinct_events
    ORDER BY a DESC, ord
    LIMIT maxn
  ) kept);
END
$fn$;
`;
}
