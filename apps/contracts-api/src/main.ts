import 'reflect-metadata';
import { hostPort, listenError, loadConfig, runProcess } from '@app/platform';
import { listenAddress, resolveJwtSecret } from './auth/secret';
import { createApp } from './create-app';
import { startRuntime } from './runtime';

/**
 * `npm start`: one process serving the API (and, by default, the projector). Without DATABASE_URL
 * it boots embedded PostgreSQL under DATA_DIR and stops it cleanly on SIGINT/SIGTERM.
 */
runProcess(async (onSignal) => {
  const config = loadConfig();
  resolveJwtSecret(process.env); // a production secret that would be refused: before anything starts
  const runtime = await startRuntime(config);
  const say = (message: string) => runtime.logger.info(message);
  // HOST as given (process.env.HOST, not config.host, which defaults it): with the dev secret
  // and no HOST, loopback only.
  const { host, warning } = listenAddress(process.env, config.host);
  if (warning) runtime.logger.warn(warning);
  let app;
  try {
    app = await createApp(runtime);
    await app.listen({ port: config.port, host });
  } catch (error) {
    await runtime.close();
    throw listenError(error, host, config.port);
  }
  // The address it is bound to: getUrl() shows 0.0.0.0 as 127.0.0.1, hiding that others can reach it.
  const { port } = app.getHttpServer().address() as { port: number };
  say(`listening on ${hostPort(host, port)} (OpenAPI at /docs)`);

  onSignal(async (signal) => {
    say(`${signal}: shutting down`);
    await app.close();
    await runtime.close();
  });
});
