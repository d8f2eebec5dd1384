import { onTestFinished } from "vitest";

/**
 * Waits until `check` returns a value (not undefined/false), checking every 20 ms. It has no
 * deadline of its own: the condition decides, and the test's timeout is the only limit (on a
 * busy machine a flow is slower, not wrong); when the test ends first it stops and says what it
 * waited for.
 */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string): Promise<T> {
  let ended = false;
  try {
    onTestFinished(({ task }) => {
      if (!ended && task.result?.state === "fail") console.error(`(the test ended while waiting for ${what})`);
      ended = true;
    });
  } catch {
    // Called from a hook (beforeAll): the hook's own timeout is the limit there.
  }
  try {
    for (;;) {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      if (ended) throw new Error(`stopped waiting for ${what}: the test has ended`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    ended = true;
  }
}
