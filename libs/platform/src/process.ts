/**
 * How our processes start and stop: `main` runs, a failure to start exits 1 with the stack, and the
 * first SIGINT/SIGTERM runs `shutdown` once (in order, as the process decides), then exits 0.
 */
export function runProcess(main: (onSignal: (shutdown: (signal: string) => Promise<void>) => void) => Promise<void>): void {
  const onSignal = (shutdown: (signal: string) => Promise<void>) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      try {
        await shutdown(signal);
        process.exit(0);
      } catch (error) {
        process.stderr.write(`shutdown failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exit(1);
      }
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
  };
  main(onSignal).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
