import type { DataSource } from "typeorm";
import type { Config } from "./config";
import type { EventBus } from "./events/event-bus";
import type { Logger } from "./logger";
import type { Services } from "./services";
import type { RunLoaders } from "./services/runs";

/** What every resolver receives: the services, and nothing that talks to a vendor. */
export interface Context {
  services: Services;
  config: Config;
  logger: Logger;
  db: DataSource;
  bus: EventBus;
  /** Batching loaders, new for each operation. */
  loaders: RunLoaders;
}
