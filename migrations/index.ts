import { InitialSchema1764200000000 } from "./1764200000000-initial-schema";
import { RunPlanning1764210000000 } from "./1764210000000-run-planning";
import { ClaimOrderIndexes1764220000000 } from "./1764220000000-claim-order-indexes";
import { SatisfactionScale1795794004757 } from "./1795794004757-satisfaction-scale";
import { GeneratorProvenance1795794078475 } from "./1795794078475-generator-provenance";
import { JobOwnership1795794095449 } from "./1795794095449-job-ownership";
import { RunPaused1795796961175 } from "./1795796961175-run-paused";
import { TokensAndAudit1795800109593 } from "./1795800109593-tokens-and-audit";
import { UnpricedCost1795804216798 } from "./1795804216798-unpriced-cost";
import { LlmLimitMembers1795804887967 } from "./1795804887967-llm-limit-members";
import { RunBudget1795804903934 } from "./1795804903934-run-budget";
import { LlmLimitLiveUntil1795805226449 } from "./1795805226449-llm-limit-live-until";
import { TokenReviewer1795814775024 } from "./1795814775024-token-reviewer";
import { LlmLimitPause1795815252620 } from "./1795815252620-llm-limit-pause";
import { LlmLimitLearned1795816638189 } from "./1795816638189-llm-limit-learned";

/** Every migration, oldest first. Forward-only: a released migration is never edited. */
export const MIGRATIONS = [
  InitialSchema1764200000000,
  RunPlanning1764210000000,
  ClaimOrderIndexes1764220000000,
  SatisfactionScale1795794004757,
  GeneratorProvenance1795794078475,
  JobOwnership1795794095449,
  RunPaused1795796961175,
  TokensAndAudit1795800109593,
  UnpricedCost1795804216798,
  LlmLimitMembers1795804887967,
  RunBudget1795804903934,
  LlmLimitLiveUntil1795805226449,
  TokenReviewer1795814775024,
  LlmLimitPause1795815252620,
  LlmLimitLearned1795816638189,
];
