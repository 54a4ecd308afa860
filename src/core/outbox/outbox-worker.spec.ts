import { Logger } from '@nestjs/common';
import { retryDelayMs, SerialPoller } from './outbox-worker';

const quietLogger = () => {
  const logger = new Logger('test');
  const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
  return { logger, warn };
};

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SerialPoller', () => {
  it('never runs two passes at once, and stop waits for the one in flight', async () => {
    const { logger } = quietLogger();
    const poller = new SerialPoller(logger, 'test');
    let running = 0;
    let most = 0;
    let finished = 0;
    poller.start(5, async () => {
      running++;
      most = Math.max(most, running);
      await tick(30);
      running--;
      finished++;
    });
    await tick(50);
    await poller.stop();
    expect(running).toBe(0);
    expect(most).toBe(1);
    const after = finished;
    await tick(30);
    expect(finished).toBe(after);
  });

  it('logs a failed pass, runs the next one, and a pass failing at shutdown does not fail stop', async () => {
    const { logger, warn } = quietLogger();
    const poller = new SerialPoller(logger, 'test');
    let passes = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    poller.start(5, async () => {
      passes++;
      if (passes > 1) await gate;
      throw new Error('connection closed');
    });
    while (passes < 2) await tick(5);
    expect(warn).toHaveBeenCalledWith('test pass failed: connection closed');
    // The second pass is in flight: stop waits for it, and its failure does not fail the stop.
    const stopped = poller.stop();
    release();
    await expect(stopped).resolves.toBeUndefined();
    expect(passes).toBe(2);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('starts the next pass at once while `again` says more is due', async () => {
    const { logger } = quietLogger();
    const poller = new SerialPoller<number>(logger, 'test');
    let passes = 0;
    poller.start(
      50,
      () => Promise.resolve(++passes),
      (n) => n < 5,
    );
    // The first pass at 50 ms; the four after it at once, not at 100, 150...
    await tick(75);
    expect(passes).toBe(5);
    await poller.stop();
  });
});

describe('retryDelayMs', () => {
  it('doubles from the base and stops at five minutes', () => {
    expect(retryDelayMs(1000, 1)).toBe(1000);
    expect(retryDelayMs(1000, 2)).toBe(2000);
    expect(retryDelayMs(1000, 4)).toBe(8000);
    expect(retryDelayMs(1000, 30)).toBe(300_000);
  });
});
