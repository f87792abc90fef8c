import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ARTIFACTS = join(__dirname, '../../artifacts/faults');

/** Keeps a run's figures (test/artifacts/faults/<name>.json, git-ignored) and prints them. */
export async function recordFigures(name: string, figures: object): Promise<void> {
  const text = JSON.stringify({ at: new Date().toISOString(), ...figures }, null, 2);
  await mkdir(ARTIFACTS, { recursive: true });
  await writeFile(join(ARTIFACTS, `${name}.json`), `${text}\n`);
  process.stdout.write(`\n[${name}] ${text}\n`);
}

/** The run's seed (FAULTS_SEED replays a failing run's random moments), printed for the log. */
export function seedFromEnv(): number {
  const seed = Number(process.env.FAULTS_SEED ?? Date.now() % 2 ** 31);
  process.stdout.write(`FAULTS_SEED=${seed}\n`);
  return seed;
}

/** A scratch folder for the service's DATA_DIR and registry, removed by `remove`. */
export async function scratchDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
