/**
 * DEMO DATA, written for this project: five short, invented medication-management encounters and two
 * invented reviewers' rubrics per case. No real patients, clinicians or records; not clinically vetted.
 * Used by `npm run demo` only.
 */

export interface DemoTurn {
  speaker: "Clinician" | "Patient";
  text: string;
}

export interface DemoCriterion {
  criterion: string;
  weight: number;
  sense: "positive" | "negative";
}

export interface DemoCase {
  name: string;
  profile: string;
  transcript: DemoTurn[];
  limitedChart: Record<string, unknown>;
  /** Accepted rubrics of the demo reviewers, by reviewer. */
  rubrics: Record<string, DemoCriterion[]>;
}

export const DEMO_BATCH = "demo-data";
export const DEMO_REVIEWERS = ["demo.reviewer.one@example.org", "demo.reviewer.two@example.org"] as const;

const c = (turns: [DemoTurn["speaker"], string][]): DemoTurn[] => turns.map(([speaker, text]) => ({ speaker, text }));

export const DEMO_CASES: DemoCase[] = [
  {
    name: "demo/metformin-gi-upset",
    profile: "DEMO DATA. Invented 58-year-old with type 2 diabetes on metformin.",
    limitedChart: { medications: ["metformin 1000 mg twice daily"], allergies: [], conditions: ["type 2 diabetes"] },
    transcript: c([
      ["Clinician", "How has the metformin been since we raised it last month?"],
      ["Patient", "My stomach has been upset most mornings, and I skip the evening dose some days."],
      ["Clinician", "Let's switch you to the extended-release tablet, 1000 mg once with dinner, which is usually gentler."],
      ["Patient", "Okay. Do I still check my sugars?"],
      ["Clinician", "Yes, fasting readings three times a week, and we'll repeat the A1c in three months."],
    ]),
    rubrics: {
      [DEMO_REVIEWERS[0]]: [
        { criterion: "Reward for documenting gastrointestinal upset on metformin", weight: 25, sense: "positive" },
        { criterion: "Reward for the switch to extended-release metformin 1000 mg with dinner", weight: 35, sense: "positive" },
        { criterion: "Reward for the A1c recheck in three months", weight: 15, sense: "positive" },
        { criterion: "Penalize for stating metformin was stopped", weight: 20, sense: "negative" },
      ],
      [DEMO_REVIEWERS[1]]: [
        { criterion: "Reward for noting missed evening doses", weight: 20, sense: "positive" },
        { criterion: "Reward for the new extended-release regimen", weight: 40, sense: "positive" },
        { criterion: "Reward for home glucose monitoring three times a week", weight: 15, sense: "positive" },
        { criterion: "Penalize for inventing a new diabetes medication", weight: 15, sense: "negative" },
      ],
    },
  },
  {
    name: "demo/lisinopril-cough",
    profile: "DEMO DATA. Invented 64-year-old with hypertension on lisinopril.",
    limitedChart: { medications: ["lisinopril 20 mg daily"], allergies: ["sulfa"], conditions: ["hypertension"] },
    transcript: c([
      ["Clinician", "You mentioned a cough on the phone. Tell me more."],
      ["Patient", "A dry tickle for about six weeks, worse at night. No fever."],
      ["Clinician", "That can come from lisinopril. I'd like to stop it and start losartan 50 mg daily instead."],
      ["Patient", "Will my blood pressure be okay?"],
      ["Clinician", "We'll check it and your kidney function and potassium in two weeks."],
    ]),
    rubrics: {
      [DEMO_REVIEWERS[0]]: [
        { criterion: "Reward for a dry cough attributed to the ACE inhibitor", weight: 30, sense: "positive" },
        { criterion: "Reward for stopping lisinopril and starting losartan 50 mg daily", weight: 40, sense: "positive" },
        { criterion: "Reward for labs (kidney function, potassium) in two weeks", weight: 15, sense: "positive" },
        { criterion: "Penalize for documenting a fever", weight: 10, sense: "negative" },
      ],
      [DEMO_REVIEWERS[1]]: [
        { criterion: "Reward for the six-week duration of the cough", weight: 15, sense: "positive" },
        { criterion: "Reward for the medication change from lisinopril to losartan", weight: 45, sense: "positive" },
        { criterion: "Reward for the blood pressure recheck", weight: 15, sense: "positive" },
        { criterion: "Penalize for omitting the sulfa allergy when listing allergies", weight: 10, sense: "negative" },
      ],
    },
  },
  {
    name: "demo/warfarin-antibiotic",
    profile: "DEMO DATA. Invented 71-year-old with atrial fibrillation on warfarin, newly prescribed an antibiotic.",
    limitedChart: { medications: ["warfarin 5 mg daily"], allergies: [], conditions: ["atrial fibrillation"], lastInr: 2.4 },
    transcript: c([
      ["Patient", "Urgent care gave me an antibiotic for a bladder infection yesterday."],
      ["Clinician", "Which one? Some of them raise the effect of warfarin."],
      ["Patient", "It says trimethoprim-sulfamethoxazole, twice a day for three days."],
      ["Clinician", "Then let's lower warfarin to 2.5 mg for the next three days and check your INR on Friday."],
      ["Clinician", "Call us about any unusual bruising or bleeding."],
    ]),
    rubrics: {
      [DEMO_REVIEWERS[0]]: [
        { criterion: "Reward for identifying the warfarin and antibiotic interaction", weight: 35, sense: "positive" },
        { criterion: "Reward for the temporary warfarin reduction to 2.5 mg for three days", weight: 30, sense: "positive" },
        { criterion: "Reward for the INR check on Friday", weight: 20, sense: "positive" },
        { criterion: "Penalize for stopping warfarin altogether", weight: 20, sense: "negative" },
      ],
      [DEMO_REVIEWERS[1]]: [
        { criterion: "Reward for naming the antibiotic and its course", weight: 20, sense: "positive" },
        { criterion: "Reward for the bleeding precautions given", weight: 20, sense: "positive" },
        { criterion: "Reward for the dose change and INR follow-up", weight: 40, sense: "positive" },
      ],
    },
  },
  {
    name: "demo/sertraline-start",
    profile: "DEMO DATA. Invented 35-year-old starting treatment for depression.",
    limitedChart: { medications: [], allergies: [], conditions: ["major depressive disorder, first episode"] },
    transcript: c([
      ["Clinician", "We talked about starting a medicine for your mood. Are you still comfortable with that?"],
      ["Patient", "Yes. I'm sleeping badly and I've lost interest in most things."],
      ["Clinician", "We'll start sertraline 50 mg each morning. Nausea can happen in the first week and usually settles."],
      ["Patient", "How soon will it work?"],
      [
        "Clinician",
        "Often four to six weeks. I'll see you in four weeks, and call sooner if you have thoughts of harming yourself.",
      ],
    ]),
    rubrics: {
      [DEMO_REVIEWERS[0]]: [
        { criterion: "Reward for starting sertraline 50 mg every morning", weight: 35, sense: "positive" },
        { criterion: "Reward for counselling on early nausea", weight: 15, sense: "positive" },
        { criterion: "Reward for the safety advice about self-harm thoughts", weight: 25, sense: "positive" },
        { criterion: "Reward for follow-up in four weeks", weight: 15, sense: "positive" },
      ],
      [DEMO_REVIEWERS[1]]: [
        { criterion: "Reward for documenting poor sleep and loss of interest", weight: 20, sense: "positive" },
        { criterion: "Reward for the expected time to effect", weight: 15, sense: "positive" },
        { criterion: "Reward for the new prescription and its dose", weight: 35, sense: "positive" },
        { criterion: "Penalize for recording a dose other than 50 mg", weight: 20, sense: "negative" },
      ],
    },
  },
  {
    name: "demo/inhaler-technique",
    profile: "DEMO DATA. Invented 22-year-old with asthma using a rescue inhaler often.",
    limitedChart: { medications: ["albuterol inhaler as needed"], allergies: ["penicillin"], conditions: ["asthma"] },
    transcript: c([
      ["Patient", "I'm using my rescue inhaler almost every day now, especially when I run."],
      ["Clinician", "Show me how you use it. ... Try breathing out fully first, then one slow deep breath with the spacer."],
      ["Clinician", "Daily use means we should add a controller: budesonide-formoterol, two puffs twice a day."],
      ["Patient", "Do I still carry the albuterol?"],
      ["Clinician", "Yes, keep it for sudden symptoms, and we'll review in six weeks."],
    ]),
    rubrics: {
      [DEMO_REVIEWERS[0]]: [
        { criterion: "Reward for daily rescue inhaler use documented", weight: 25, sense: "positive" },
        { criterion: "Reward for adding budesonide-formoterol two puffs twice daily", weight: 35, sense: "positive" },
        { criterion: "Reward for inhaler technique teaching with a spacer", weight: 20, sense: "positive" },
        { criterion: "Penalize for stopping albuterol", weight: 15, sense: "negative" },
      ],
      [DEMO_REVIEWERS[1]]: [
        { criterion: "Reward for exercise as a trigger", weight: 15, sense: "positive" },
        { criterion: "Reward for the controller medication and its schedule", weight: 40, sense: "positive" },
        { criterion: "Reward for review in six weeks", weight: 15, sense: "positive" },
        { criterion: "Penalize for omitting the penicillin allergy when listing allergies", weight: 10, sense: "negative" },
      ],
    },
  },
];
