/**
 * The main flow, one IDE tab per step, in the order a user runs them: import cases, review their
 * rubrics until cases are eligible, create an experiment, pick eligible cases, add them, register models, pair them, start a run, watch its progress, and clone
 * the experiment for the next version.
 * Ids in the variables are placeholders: replace them with the ids the previous steps returned.
 */

export interface ExampleTab {
  /** Shown as the tab's title by GraphiQL (it names a tab after its first operation). */
  query: string;
  /** JSON text for the variables pane. */
  variables?: string;
}

const json = (value: unknown): string => JSON.stringify(value, null, 2);

export const exampleTabs: readonly ExampleTab[] = [
  {
    query: `# 1. Import cases: a folder under the server's SHARED_DATA_DIR (no path: all of it), in the
#    existing tool's format. Their rubrics arrive as the LLM's, reviewed by nobody yet.
mutation ImportCases {
  importCaseFolder {
    cases
    rubrics
    folder
  }
}
`,
  },
  {
    query: `# 2. What needs review: cases not eligible yet (two human reviewers must accept a rubric),
#    closest first, with their rubrics to accept or refuse.
query ReviewQueue {
  reviewQueue {
    caseId
    caseName
    humanAuthors
    reviewersNeeded
  }
  cases {
    id
    rubrics {
      id
      author
      validation
      rubric {
        criterion
        weight
        sense
      }
    }
  }
}
`,
  },
  {
    query: `# 3. Accept a rubric as a reviewer (your email): your signed copy counts for the case. Use
#    reviseRubric to accept your edit of its criteria, refuseRubric to refuse it. The answer says
#    whether the case is now eligible; a second reviewer makes it so. (The dashboard's Rubric
#    review page does the same with the transcript and chart beside the rubric.)
mutation AcceptRubric($input: ReviewRubricInput!) {
  acceptRubric(input: $input) {
    rubric {
      id
      author
      parentRubricId
    }
    humanAuthors
    eligible
  }
}
`,
    variables: json({ input: { rubricId: 1, reviewer: "you@example.com" } }),
  },
  {
    query: `# 4. Create an experiment of a generator (see the generators query) at a version; its settings
#    are fixed once it has planned jobs (then clone it for the next version).
mutation CreateExperiment($input: CreateExperimentInput!) {
  createExperiment(input: $input) {
    id
    name
    generator
    generatorCommit
  }
}
`,
    variables: json({
      input: {
        name: "my-first-experiment",
        generator: "builtin",
        hyperscribeVersion: "v1.0.0",
        cycleTranscriptOverlaps: [100],
        noteReplications: 1,
        gradeReplications: 1,
      },
    }),
  },
  {
    query: `# 5. Cases with accepted rubrics from enough distinct human authors.
query EligibleCases {
  eligibleCases {
    id
    name
  }
}
`,
  },
  {
    query: `# 6. Add cases (ids from step 5) to the experiment (id from step 4).
mutation AddExperimentCases($experimentId: Int!, $caseIds: [Int!]!) {
  addExperimentCases(experimentId: $experimentId, caseIds: $caseIds) {
    id
    name
  }
}
`,
    variables: json({ experimentId: 1, caseIds: [1, 2] }),
  },
  {
    query: `# 7. Register a model: vendor "openai" or "anthropic"; the key is stored and never returned.
mutation CreateModel($input: CreateModelInput!) {
  createModel(input: $input) {
    id
    vendor
    model
  }
}
`,
    variables: json({ input: { vendor: "openai", model: "gpt-4.1", apiKey: "sk-..." } }),
  },
  {
    query: `# 8. Pair a note generator with a note grader (model ids from step 7).
mutation AddExperimentModel($input: AddExperimentModelInput!) {
  addExperimentModel(input: $input) {
    id
  }
}
`,
    variables: json({
      input: { experimentId: 1, modelNoteGeneratorId: 1, modelNoteGraderId: 1, modelNoteGraderIsReasoning: false },
    }),
  },
  {
    query: `# 9. What a start would cost: calls, tokens and a cost range per model, from the inputs' sizes
#    (calibrated by finished jobs once there are some). An unpriced model's cost is null, never 0.
query EstimateExperimentRun($experimentId: Int!) {
  estimateExperimentRun(experimentId: $experimentId) {
    scope
    basis
    notes
    grades
    calls
    costUsd { low high }
    unpricedModels
    models { vendor model calls costUsd { low high } }
  }
}
`,
    variables: json({ experimentId: 1 }),
  },
  {
    query: `# 10. Start a run: notes are generated, then graded, by a pool of workers. With budgetUsd the
#     run pauses before it would spend more (every model needs a price); null: no budget.
mutation StartExperimentRun($experimentId: Int!, $workers: Int!, $maxAttempts: Int!, $budgetUsd: Float) {
  startExperimentRun(experimentId: $experimentId, workers: $workers, maxAttempts: $maxAttempts, budgetUsd: $budgetUsd) {
    id
    status
    budgetUsd
  }
}
`,
    variables: json({ experimentId: 1, workers: 4, maxAttempts: 3, budgetUsd: 5 }),
  },
  {
    query: `# 11. Watch the run's progress (over graphql-ws on this same URL).
subscription ExperimentProgress($experimentId: Int!) {
  experimentProgress(experimentId: $experimentId) {
    notes {
      expected
      succeeded
      failed
    }
    grades {
      expected
      succeeded
      failed
    }
    costUsd
    unpriced
    spentUsd
    budgetUsd
  }
}
`,
    variables: json({ experimentId: 1 }),
  },
  {
    query: `# 12. The next version: the same cases and combinations, the given changes (step 4's id).
mutation CloneExperiment($experimentId: Int!, $name: String!, $changes: ExperimentChangesInput) {
  cloneExperiment(experimentId: $experimentId, name: $name, changes: $changes) {
    id
    name
    hyperscribeVersion
    generatorCommit
  }
}
`,
    variables: json({ experimentId: 1, name: "my-first-experiment v2", changes: { hyperscribeVersion: "v2.0.0" } }),
  },
];
