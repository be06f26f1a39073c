import { logger } from '../logging/logger.js';

/** Cloud Foundry sends SIGKILL 10 s after SIGTERM. */
const HARD_STOP_MS = 9_000;

/** Runs until SIGINT/SIGTERM, then calls `stop` once; a second signal exits at once. */
export function untilSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    logger.info({ signal }, 'stopping');
    // The last line of defence: exit before Cloud Foundry's SIGKILL at 10 s, whatever still hangs.
    setTimeout(() => {
      logger.error('stop did not finish within 9 s; exiting');
      process.exit(1);
    }, HARD_STOP_MS).unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
}
