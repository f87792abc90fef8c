import 'reflect-metadata';
import { loadConfig } from '@app/platform';
import { createApp } from './create-app';
import { startRuntime } from './runtime';

/**
 * `npm start`: one process serving the API (and, by default, the projector). Without DATABASE_URL
 * it boots embedded PostgreSQL under DATA_DIR and stops it cleanly on SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const say = (message: string) => process.stdout.write(`${JSON.stringify({ level: 30, time: new Date().toISOString(), msg: message })}\n`);
  const runtime = await startRuntime(config, say);
  let app;
  try {
    app = await createApp(runtime);
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  say(`listening on http://localhost:${config.port} (OpenAPI at /docs)`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: shutting down`);
    await app.close();
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
