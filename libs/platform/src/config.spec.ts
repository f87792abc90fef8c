import { ConfigError, DEFAULT_REGISTRY_FILE, loadConfig, registryFileFor, serverOf } from './config';

describe('loadConfig', () => {
  it('has sensible defaults: port 3000, embedded PostgreSQL in .data, system clock', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.dataDir.endsWith('.data')).toBe(true);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.eventStore).toBe('postgres');
    expect(config.clock).toEqual({ mode: 'system' });
    expect(registryFileFor(config)).toBe(DEFAULT_REGISTRY_FILE);
    expect(config.projector).toBe(true);
    expect(config.requestTimeoutMs).toBe(30_000);
    expect(config.appendStallMs).toBe(10_000);
    expect(config.idempotencyTtlHours).toBe(72);
  });

  it('takes an empty PORT as unset: the default, not port 0 (any free port)', () => {
    expect(loadConfig({ PORT: '' }).port).toBe(3000);
    expect(loadConfig({ PORT: '8080' }).port).toBe(8080);
    expect(loadConfig({ PORT: '' }, { defaultPort: 3001 }).port).toBe(3001);
  });

  it('reads REGISTRY_FILE; production never falls back to the fictitious sample registry', () => {
    expect(registryFileFor(loadConfig({ REGISTRY_FILE: '/srv/registry.json', NODE_ENV: 'production' }))).toBe('/srv/registry.json');
    expect(registryFileFor(loadConfig({ REGISTRY_FILE: '' }))).toBe(DEFAULT_REGISTRY_FILE);
    const production = loadConfig({ NODE_ENV: 'production' });
    expect(() => registryFileFor(production)).toThrow(ConfigError);
    expect(() => registryFileFor(production)).toThrow(/^NODE_ENV=production needs REGISTRY_FILE/);
  });

  it('reads the request timeout in milliseconds', () => {
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '5000' }).requestTimeoutMs).toBe(5_000);
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '' }).requestTimeoutMs).toBe(30_000); // empty is unset
  });

  it('reads how long an append may wait before readiness answers 503, in milliseconds', () => {
    expect(loadConfig({ APPEND_STALL_MS: '2500' }).appendStallMs).toBe(2_500);
    expect(loadConfig({ APPEND_STALL_MS: '' }).appendStallMs).toBe(10_000); // empty is unset
  });

  it('reads how many hours idempotent answers are kept (an empty value is the default)', () => {
    expect(loadConfig({ IDEMPOTENCY_TTL_HOURS: '24' }).idempotencyTtlHours).toBe(24);
    expect(loadConfig({ IDEMPOTENCY_TTL_HOURS: '' }).idempotencyTtlHours).toBe(72);
  });

  it('reads a manual clock with its start instant', () => {
    const config = loadConfig({ CLOCK_MODE: 'manual', CLOCK_START: '2026-12-01T06:30:00Z' });
    expect(config.clock).toEqual({ mode: 'manual', start: new Date('2026-12-01T06:30:00Z') });
  });

  it.each([
    [{ PORT: 'abc' }, /PORT/],
    [{ EVENT_STORE: 'mongo' }, /EVENT_STORE/],
    [{ EVENT_STORE: 'kurrentdb' }, /KURRENTDB_URL/],
    [{ CLOCK_MODE: 'fast' }, /CLOCK_MODE/],
    [{ CLOCK_MODE: 'manual', CLOCK_START: 'tomorrow' }, /CLOCK_START/],
    [{ CLOCK_START: '2026-12-01T00:00:00Z' }, /CLOCK_MODE=manual/],
    [{ NODE_ENV: 'production', CLOCK_MODE: 'manual' }, /NODE_ENV=production refuses it/],
    [{ PROJECTOR: 'sometimes' }, /PROJECTOR/],
    // The standalone projector could not find the embedded server (its port changes every start).
    [{ PROJECTOR: 'off' }, /PROJECTOR=off needs DATABASE_URL/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ REQUEST_TIMEOUT_MS: '0' }, /REQUEST_TIMEOUT_MS/],
    [{ REQUEST_TIMEOUT_MS: '30s' }, /REQUEST_TIMEOUT_MS/],
    [{ APPEND_STALL_MS: '0' }, /APPEND_STALL_MS/],
    [{ APPEND_STALL_MS: '10s' }, /APPEND_STALL_MS/],
    [{ IDEMPOTENCY_TTL_HOURS: '0' }, /IDEMPOTENCY_TTL_HOURS/],
    [{ IDEMPOTENCY_TTL_HOURS: '1.5' }, /IDEMPOTENCY_TTL_HOURS/],
    [{ IDEMPOTENCY_TTL_HOURS: '3d' }, /IDEMPOTENCY_TTL_HOURS/],
    [{ DATABASE_URL: 'notaurl' }, /DATABASE_URL must be a PostgreSQL connection string/],
    [{ DATABASE_URL: 'mysql://u@db/x' }, /DATABASE_URL must be a PostgreSQL connection string/],
  ])('refuses %j with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it.each([
    'mysql://app:s3cret@db/x',
    'app:s3cret@db',
    '"postgres://u:s3cret@h/db"', // quotes kept, as an env file may keep them
    ' postgres://u:s3cret@h/db',
    'jdbc:postgresql://u:s3cret@h/db',
    'host=h user=u password=s3cret dbname=db',
  ])('refuses %s without echoing any of it: it may hold a password', (url) => {
    expect(() => loadConfig({ DATABASE_URL: url })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: url })).not.toThrow(/s3cret/);
  });

  it.each([
    ['postgres://app:s3cret@db:5432/contracts', 'db:5432/contracts'],
    ['postgres://u:p@ss@host/db', 'host/db'],
    ['postgresql:///contracts?host=/var/run/postgresql', '/var/run/postgresql/contracts'],
    ['postgres://app:pw@/contracts?host=/var/run/postgresql', 'the server it names'], // valid for pg, not for URL
    ['postgres//u:s3cret@h/db', 'the server it names'],
  ])('names the server of %s for a log line, never its password', (url, server) => {
    expect(serverOf(url)).toBe(server);
  });

  it('takes every form pg connects with: postgres:// and postgresql:// URLs, a Unix socket with credentials, socket:', () => {
    for (const url of [
      'postgres://app@db:5432/contracts',
      'postgresql:///contracts?host=/run/postgresql',
      'postgres://app:pw@/contracts?host=/var/run/postgresql',
      'socket:/var/run/postgresql?db=contracts',
    ]) {
      expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    }
  });
});
