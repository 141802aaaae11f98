import { DeferredRunawayError } from '../../src/testing';
import { defer, drive, isDeferred, type DeferredWork } from '../../src/testing/memory-loop';

test('deferred work that never settles fails with a DeferredRunawayError (TORSION_ERR_DEFERRED_RUNAWAY) instead of hanging', () => {
  let rearm = true;
  const restless: DeferredWork = {
    runDeferred() {
      if (rearm) defer(restless);
    },
  };
  let thrown: unknown;
  try {
    drive(() => defer(restless));
  } catch (error) {
    thrown = error;
  } finally {
    // Leave the kit's shared loop clean for the tests after this one.
    rearm = false;
    drive(() => undefined);
  }
  expect(thrown).toBeInstanceOf(DeferredRunawayError);
  expect(thrown).toMatchObject({ code: 'TORSION_ERR_DEFERRED_RUNAWAY', runs: 1_000_000 });
  expect(isDeferred(restless)).toBe(false);
});
