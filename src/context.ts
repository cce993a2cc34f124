import type { DataSource } from "typeorm";
import type { AuditLog } from "./auth/audit";
import type { Principal } from "./auth/principal";
import type { TokenService } from "./auth/tokens";
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
  /** Who calls: the token authenticated at the edge (undefined only if the edge let it through unauthenticated). */
  principal: Principal | undefined;
  tokens: TokenService;
  audit: AuditLog;
}
