/** The generator seam's public face (see types.ts for the vocabulary). */
export type {
  GeneratorKind,
  Generation,
  JobDocument,
  NoteArtifacts,
  NoteGenerator,
  NoteRequest,
  PreparedGenerator,
} from "./types";
export { CONTRACT_VERSION, GENERATOR_KINDS } from "./types";
export { GeneratorError } from "./errors";
export type { GeneratorErrorKind } from "./errors";
export { VersionError } from "./git";
export { BUILTIN_NAME, parseGeneratorsFile } from "./definitions";
export type { GeneratorDefinition } from "./definitions";
export { GeneratorRegistry } from "./registry";
export type { GeneratorsConfig } from "./registry";
