import { ConfigError } from './config';

/**
 * How our processes start and stop: `main` runs, a failure to start exits 1 with the stack (a
 * configuration error with its message alone: the operator's to fix, not a bug), and the
 * first SIGINT/SIGTERM runs `shutdown` once (in order, as the process decides), then exits 0.
 *
 * The signal handlers are installed before `main` starts: a signal during startup (an orchestrator
 * giving up, Ctrl-C while PostgreSQL boots) is held until `main` registers its shutdown, which then
 * runs at once, so nothing it started (the embedded PostgreSQL) is left running. A second signal
 * before that exits at once.
 */
export function runProcess(main: (onSignal: (shutdown: (signal: string) => Promise<void>) => void) => Promise<void>): void {
  let shutdown: ((signal: string) => Promise<void>) | undefined;
  let received: string | undefined;
  let stopping = false;

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    try {
      await shutdown!(signal);
      process.exit(0);
    } catch (error) {
      process.stderr.write(`shutdown failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    }
  };
  const onProcessSignal = (signal: string) => {
    if (shutdown) return void stop(signal);
    if (received) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    received = signal;
    process.stderr.write(`${signal} while starting: stopping once started (again to exit at once)\n`);
  };
  process.on('SIGINT', () => onProcessSignal('SIGINT'));
  process.on('SIGTERM', () => onProcessSignal('SIGTERM'));

  const onSignal = (registered: (signal: string) => Promise<void>) => {
    shutdown = registered;
    if (received) void stop(received);
  };
  main(onSignal).catch((error: unknown) => {
    if (error instanceof ConfigError) process.stderr.write(`configuration: ${error.message}\n`);
    else process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
