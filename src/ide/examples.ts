/**
 * The main flow, one IDE tab per step, in the order a user runs them: create an experiment, pick
 * eligible cases, add them, register models, pair them, start a run, watch its progress, and clone
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
    query: `# 1. Create an experiment of a generator (see the generators query) at a version; its settings
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
    query: `# 2. Cases with accepted rubrics from enough distinct human authors.
query EligibleCases {
  eligibleCases {
    id
    name
  }
}
`,
  },
  {
    query: `# 3. Add cases (ids from step 2) to the experiment (id from step 1).
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
    query: `# 4. Register a model: vendor "openai" or "anthropic"; the key is stored and never returned.
mutation CreateModel($input: CreateModelInput!) {
  createModel(input: $input) {
    id
    vendor
    model
  }
}
`,
    variables: json({ input: { vendor: "openai", model: "gpt-4o", apiKey: "sk-..." } }),
  },
  {
    query: `# 5. Pair a note generator with a note grader (model ids from step 4).
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
    query: `# 6. Start a run: notes are generated, then graded, by a pool of workers.
mutation StartExperimentRun($experimentId: Int!, $workers: Int!, $maxAttempts: Int!) {
  startExperimentRun(experimentId: $experimentId, workers: $workers, maxAttempts: $maxAttempts) {
    id
    status
  }
}
`,
    variables: json({ experimentId: 1, workers: 4, maxAttempts: 3 }),
  },
  {
    query: `# 7. Watch the run's progress (over graphql-ws on this same URL).
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
  }
}
`,
    variables: json({ experimentId: 1 }),
  },
  {
    query: `# 8. The next version: the same cases and combinations, the given changes (step 1's id).
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
