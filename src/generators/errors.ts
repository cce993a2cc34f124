/** A failed attempt of a generator, with the kind the job's errors record. */

/**
 * - generator_spawn: the program could not be started (not found, not executable).
 * - generator_exit: it exited non-zero or was killed by a signal it was not sent by us.
 * - generator_timeout: it ran past its timeout (its process group was ended).
 * - generator_output_too_large: it wrote more than maxOutputBytes (its process group was ended).
 * - generator_invalid_output: its output is not exactly one valid result document.
 * - generator_http: the http generator's URL could not be reached or answered a non-2xx status.
 */
export type GeneratorErrorKind =
  | "generator_spawn"
  | "generator_exit"
  | "generator_timeout"
  | "generator_output_too_large"
  | "generator_invalid_output"
  | "generator_http";

export class GeneratorError extends Error {
  override name = "GeneratorError";
  constructor(
    readonly kind: GeneratorErrorKind,
    message: string,
  ) {
    super(message);
  }
}
