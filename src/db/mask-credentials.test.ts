import { parse } from 'pg-connection-string';
import { describe, expect, it } from 'vitest';
import { maskCredentials } from './mask-credentials.js';

// Every secret below contains "S3cr" so the oracle can check no part of it survives.
const cases: Array<[string, string]> = [
  // userinfo
  ['postgres://alice:S3cr3t@db.example/sortie', 'postgres://alice:***@db.example/sortie'],
  ['postgresql://alice:S3cr3t@db.example:5433/sortie', 'postgresql://alice:***@db.example:5433/sortie'],
  ['POSTGRES://alice:S3cr3t@db.example/sortie', 'POSTGRES://alice:***@db.example/sortie'],
  ['postgres://:S3cr3t@db.example/sortie', 'postgres://:***@db.example/sortie'],
  ['postgres://alice:S3cr%40t%2F1@db.example/sortie', 'postgres://alice:***@db.example/sortie'],
  ['postgres://al%3Aice:S3cr3t@db.example/sortie', 'postgres://al%3Aice:***@db.example/sortie'],
  ['postgres://alice:S3cr@t@db.example/sortie', 'postgres://alice:***@db.example/sortie'],
  ['postgres://alice:S3cr/t@db.example/sortie', 'postgres://alice:***@db.example/sortie'],
  ['postgres://alice:S3cr?t@db.example/sortie', 'postgres://alice:***@db.example/sortie'],
  ['postgres://alice:S3cr#t@db.example/sortie?sslmode=require', 'postgres://alice:***@db.example/sortie?sslmode=require'],
  ['postgres://alice:S3cr3t@/sortie?host=/var/run/postgresql', 'postgres://alice:***@/sortie?host=/var/run/postgresql'],
  ['postgres://alice:S3cr3t@[::1]:5432/sortie', 'postgres://alice:***@[::1]:5432/sortie'],
  ['socket://alice:S3cr3t@/var/run/postgresql?db=sortie', 'socket://alice:***@/var/run/postgresql?db=sortie'],
  ['postgres://alice:@db.example/sortie', 'postgres://alice:***@db.example/sortie'],
  // query parameters, node-postgres reads every one of them
  ['postgres://db.example/sortie?password=S3cr3t', 'postgres://db.example/sortie?password=***'],
  ['postgres://alice@db.example/sortie?sslmode=require&password=S3cr3t', 'postgres://alice@db.example/sortie?sslmode=require&password=***'],
  ['postgres://alice:S3cr3t@db.example/sortie?password=S3cr4t', 'postgres://alice:***@db.example/sortie?password=***'],
  ['postgres://db.example/sortie?password=S3cr%26t&application_name=x', 'postgres://db.example/sortie?password=***&application_name=x'],
  ['postgres://db.example/sortie?password=S3cr 3t&x=1', 'postgres://db.example/sortie?password=***&x=1'],
  ['postgres://db.example/sortie?password=S3cr+3t', 'postgres://db.example/sortie?password=***'],
  ['postgres://db.example/sortie?pass%77ord=S3cr3t', 'postgres://db.example/sortie?pass%77ord=***'],
  ['postgres://db.example/sortie?%70assword=S3cr3t', 'postgres://db.example/sortie?%70assword=***'],
  ['postgres://db.example/sortie?PASSWORD=S3cr3t', 'postgres://db.example/sortie?PASSWORD=***'],
  ['postgres://db.example/sortie?sslpassword=S3cr3t&sslkey=/keys/client.key', 'postgres://db.example/sortie?sslpassword=***&sslkey=/keys/client.key'],
  ['postgres://db.example/sortie?x=1#&password=S3cr3t', 'postgres://db.example/sortie?x=1#&password=***'],
  ['postgres://[::1]:5432/sortie?password=S3cr3t', 'postgres://[::1]:5432/sortie?password=***'],
  // libpq key=value strings
  ['host=db.example password=S3cr3t dbname=sortie', 'host=db.example password=*** dbname=sortie'],
  ['password=S3cr3t host=db.example', 'password=*** host=db.example'],
  ["host=db.example password='S3cr 3t' dbname=sortie", 'host=db.example password=*** dbname=sortie'],
  ["host=db.example password='S3cr\\' 3t' dbname=sortie", 'host=db.example password=*** dbname=sortie'],
  ['host=db.example password = S3cr3t', 'host=db.example password = ***'],
  ['host=db.example sslpassword=S3cr3t sslkey=/keys/k', 'host=db.example sslpassword=*** sslkey=/keys/k'],
];

// Locations with nothing secret in them are shown exactly as given.
const untouched = [
  'postgres://alice@db.example/sortie',
  'postgres://db.example:5432/sortie?sslmode=require&application_name=a@b',
  'postgres://[::1]:5432/sortie?application_name=a@b',
  'postgres://db.example/sortie?sslcert=/certs/c.pem&sslkey=/certs/k.pem&sslrootcert=/certs/ca.pem',
  'host=db.example dbname=sortie user=alice',
  '/var/lib/sortie/sortie.db',
  ':memory:',
  'pglite:/tmp/data',
];

describe('maskCredentials', () => {
  it.each(cases)('masks %s', (location, expected) => {
    expect(maskCredentials(location)).toBe(expected);
  });

  it.each(untouched)('leaves %s as given', (location) => {
    expect(maskCredentials(location)).toBe(location);
  });

  // The oracle: whatever node-postgres itself reads as a password from a URL it accepts is absent from the display.
  it.each(cases.filter(([location]) => location.includes('://')))('hides what node-postgres reads from %s', (location) => {
    let config: Record<string, unknown>;
    try {
      config = parse(location) as Record<string, unknown>;
    } catch {
      return; // node-postgres refuses it, so it never connects; the table above still pins the masking
    }
    const shown = maskCredentials(location);
    for (const key of ['password', 'sslpassword']) {
      const secret = config[key];
      if (typeof secret !== 'string' || secret === '') continue;
      for (const form of [secret, encodeURIComponent(secret), encodeURI(secret), secret.slice(0, 4)]) {
        expect(shown).not.toContain(form);
      }
    }
    expect(shown).not.toContain('S3cr');
  });

  it('masks the locations an error message quotes', () => {
    expect(maskCredentials("EACCES: permission denied, mkdir 'postgress://alice:S3cr3t@db.example'")).toBe(
      "EACCES: permission denied, mkdir 'postgress://alice:***@db.example'",
    );
    expect(maskCredentials('cannot reach postgres://db.example/sortie?password=S3cr3t now')).toBe('cannot reach postgres://db.example/sortie?password=*** now');
  });

  it('hides every secret of every case', () => {
    for (const [location] of cases) expect(maskCredentials(location)).not.toContain('S3cr');
  });
});
