/** How the CLI writes money: a known cost in dollars, an unknown one as "unpriced", never as $0. */

/** "$1.2345", or "unpriced" (with how many jobs) when the cost is unknown because a model has no price. */
export function formatCost(costUsd: number | null | undefined, unpriced = 0, digits = 4): string {
  if (costUsd === null || costUsd === undefined)
    return unpriced > 0 ? `unpriced (${unpriced} job${unpriced === 1 ? "" : "s"})` : "unpriced";
  return `$${costUsd.toFixed(digits)}`;
}
