export * from "./types";
export { mean, sampleVariance, tInterval, quantileSorted } from "./describe";
export { tQuantile, tTwoSidedP, holm } from "./distributions";
export { caseMeans, combinationMean, normalisedScore } from "./case-means";
export { bootstrapMeanInterval, DEFAULT_RESAMPLES, DEFAULT_SEED, type BootstrapInterval } from "./bootstrap";
export { pairedComparison, type PairedComparison, type PairedDifference } from "./paired";
export { casesForPower, POWER, ALPHA } from "./sample-size";
export {
  varianceSplit,
  type NestedObservation,
  type VarianceSplit,
  type VarianceComponent,
  type VarianceLevel,
} from "./variance-split";
export { krippendorffAlphaInterval, type AlphaResult } from "./krippendorff";
export * from "./criteria";
