/** The runner's view of the database monitor (src/db/monitor.ts): when an outage is over. */
import type { DatabaseMonitor } from "../db/monitor";

/** Resolves once the monitor sees the database up (at once when it already does). */
export function whenDatabaseUp(monitor: DatabaseMonitor): Promise<void> {
  if (monitor.mode === "up") return Promise.resolve();
  return new Promise((resolve) => {
    const off = monitor.onChange((mode) => {
      if (mode !== "up") return;
      off();
      resolve();
    });
  });
}
