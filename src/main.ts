/** `npm start`: the server, with a staged shutdown on SIGTERM/SIGINT (a second signal forces exit). */
import "reflect-metadata";
import { loadConfig } from "./config";
import { startApp } from "./app";
import { makeLogger } from "./logger";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = makeLogger(config.logLevel);
  const app = await startApp(config, { logger });
  if (app.firstLogin) {
    // Printed whatever LOG_LEVEL says: it is the only copy of the token.
    process.stdout.write(
      `\nNo API token existed, so an admin token was created. Open the dashboard and IDE with this URL (shown once):\n\n` +
        `    ${app.firstLogin.url}\n\n` +
        `The CLI takes the same token: NOTE_EVAL_TOKEN=${app.firstLogin.token} npm run cli -- experiment list\n` +
        `More tokens, with roles: npm run cli -- tokens create --name <who> --role viewer|reviewer|runner|admin\n\n`,
    );
  }
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    signalled = true;
    logger.info(`${signal}: shutting down`);
    app.stop().then(
      () => process.exit(0),
      (error) => {
        logger.error("Shutdown failed", error);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

main().catch((error) => {
  process.stderr.write(`Start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
