/** Small hand-written cases and rubrics for unit and API tests (the shared data is for import and e2e). */
export const TRANSCRIPT = [
  { speaker: "Clinician", text: "What brings you in today?" },
  { speaker: "Patient", text: "My blood pressure pills make me dizzy in the morning." },
  { speaker: "Clinician", text: "Let's move the lisinopril to the evening and check again in two weeks." },
];

export const CYCLED_TRANSCRIPT = {
  cycle_001: TRANSCRIPT.slice(0, 2),
  cycle_002: TRANSCRIPT.slice(2),
};

export const RUBRIC = [
  { criterion: "Reward for documenting dizziness as a side effect", weight: 20, sense: "positive" },
  { criterion: "Reward for the plan to take lisinopril in the evening", weight: 30, sense: "positive" },
  { criterion: "Penalize for inventing a dose change", weight: 10, sense: "negative" },
];

export const REVIEWERS = ["ana.reviewer@example.com", "ben.reviewer@example.com"];

export const CASE_FIELDS = "id name transcript limitedChart profile validationStatus batchIdentifier tags";
