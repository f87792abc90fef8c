import 'reflect-metadata';
import { loadConfig, runProcess } from '@app/platform';
import { createApp } from './create-app';
import { startRuntime } from './runtime';

/**
 * `npm start`: one process serving the API (and, by default, the projector). Without DATABASE_URL
 * it boots embedded PostgreSQL under DATA_DIR and stops it cleanly on SIGINT/SIGTERM.
 */
runProcess(async (onSignal) => {
  const config = loadConfig();
  const runtime = await startRuntime(config);
  const say = (message: string) => runtime.logger.info(message);
  let app;
  try {
    app = await createApp(runtime);
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  say(`listening on ${await app.getUrl()} (OpenAPI at /docs)`);

  onSignal(async (signal) => {
    say(`${signal}: shutting down`);
    await app.close();
    await runtime.close();
  });
});
