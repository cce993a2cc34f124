/**
 * How far a key's token estimates (characters / 4) are from what the vendor charges, learnt from
 * its headers. Between two answered requests i and j (j sent after i), the vendor charged
 * `remaining_i − remaining_j + refill × (t_j − t_i)` tokens for the requests sent after i up to j;
 * we estimated `sent_j − sent_i`. The ratio of those sums over recent pairs is the factor the
 * limiter multiplies its estimates by. The vendors count more than our characters (the request's
 * JSON, the schema's encoding, OpenAI also the output allowance): an estimate too low is what makes
 * a paced client overshoot the token limit, one too high only delays it by what is in flight.
 *
 * A pair is skipped when its count cannot be read from the headers: the bucket near full (it may
 * have stopped refilling), or a 429 between the two (a refused request was estimated, not charged).
 */

/** What one answered request's token header said, with what this process had estimated by then. */
export interface TokenObservation {
  /** When the request was sent (about when the vendor counted it). */
  at: number;
  /** This process's estimated tokens sent, up to and including this request. */
  estimatedSent: number;
  remaining: number;
  limit: number;
}

/** How much of the evidence each pair keeps (about the last 20 pairs count). */
const MEMORY = 0.95;
/** The factor stays within these bounds whatever the headers say. */
const MIN_FACTOR = 0.5;
const MAX_FACTOR = 4;
const bounded = (factor: number) => Math.min(MAX_FACTOR, Math.max(MIN_FACTOR, factor));
/** Estimated tokens a seeded factor counts for (a few requests of a thousand tokens). */
const SEED_WEIGHT = 4000;
/** A bucket above this share of its limit may have been full (not refilling) between two answers. */
const NEAR_FULL = 0.9;

export class TokenCalibration {
  private charged = 0;
  private estimated = 0;
  private last: TokenObservation | null = null;
  /** Vendor tokens per estimated token; 1 until the headers have said otherwise. */
  factor = 1;

  /** An answered request's token header; `refillPerMs` is the bucket's learnt refill rate. */
  observe(o: TokenObservation, refillPerMs: number): void {
    const last = this.last;
    if (o.remaining > o.limit * NEAR_FULL) {
      this.last = null;
      return;
    }
    if (!last || o.estimatedSent < last.estimatedSent) {
      // The first, or an answer to a request sent before the last one observed: start from the later.
      if (!last) this.last = o;
      return;
    }
    const estimated = o.estimatedSent - last.estimatedSent;
    if (estimated <= 0) return;
    const charged = last.remaining - o.remaining + refillPerMs * (o.at - last.at);
    this.charged = this.charged * MEMORY + charged;
    this.estimated = this.estimated * MEMORY + estimated;
    this.factor = bounded(this.charged / this.estimated);
    this.last = o;
  }

  /** Starts from a factor another process learnt, weighted as a few requests' worth of evidence. */
  seed(factor: number): void {
    if (!(factor > 0)) return;
    this.factor = bounded(factor);
    this.estimated = SEED_WEIGHT;
    this.charged = this.factor * SEED_WEIGHT;
  }

  /** A 429: the next pair starts after it. */
  refused(): void {
    this.last = null;
  }
}
